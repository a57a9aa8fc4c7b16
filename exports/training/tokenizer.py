"""The tokenizer the training check uses: Mistral's v3 instruct tokenizer, whose SentencePiece
model ships inside the mistral-common package (so it loads offline), as a transformers tokenizer.

Its chat template is Mistral's v3 instruct format, the one mistral-common's own encoder writes
(`<s>[INST] user[/INST] reply</s>`, the system prompt before the last user message), with
`{% generation %}` marks around each reply and its `</s>` so that `return_assistant_tokens_mask`
(TRL's assistant-only loss) keeps exactly the tokens Elena's replies are made of.
tests/exports/test_train_check.py checks it against mistral-common's encoder token for token."""

import shutil
import tempfile
from pathlib import Path
from typing import Any

NAME = "Mistral v3 instruct tokenizer (mistral-common 240323 SentencePiece model)"
MODEL_FILE = "mistral_instruct_tokenizer_240323.model.v3"
CHAT_TEMPLATE = (
    "{%- if messages and messages[0]['role'] == 'system' %}"
    "{%- set system = messages[0]['content'] %}{%- set turns = messages[1:] %}"
    "{%- else %}{%- set system = none %}{%- set turns = messages %}{%- endif %}"
    "{%- set ns = namespace(last_user=-1) %}"
    "{%- for message in turns %}{%- if message['role'] == 'user' %}"
    "{%- set ns.last_user = loop.index0 %}{%- endif %}{%- endfor %}"
    "{{- bos_token }}"
    "{%- for message in turns %}"
    "{%- if message['role'] == 'user' %}"
    "{%- if loop.index0 == ns.last_user and system is not none %}"
    "{{- '[INST] ' + system + '\\n\\n' + message['content'] + '[/INST]' }}"
    "{%- else %}{{- '[INST] ' + message['content'] + '[/INST]' }}{%- endif %}"
    "{%- elif message['role'] == 'assistant' %}"
    "{%- generation %}{{- ' ' + message['content'] + eos_token }}{%- endgeneration %}"
    "{%- else %}{{- raise_exception('Only system, user and assistant roles are supported.') }}"
    "{%- endif %}"
    "{%- endfor %}"
)


def model_file() -> Path:
    import mistral_common

    return Path(mistral_common.__file__).parent / "data" / MODEL_FILE


def mistral_v3_tokenizer() -> Any:
    """A transformers tokenizer built from the packaged SentencePiece model, no network."""
    from transformers import LlamaTokenizer

    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(model_file(), Path(folder) / "tokenizer.model")
        tokenizer = LlamaTokenizer.from_pretrained(folder, legacy=False, add_bos_token=False)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.pad_token = tokenizer.unk_token
    return tokenizer
