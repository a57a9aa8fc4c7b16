"""`train_check` on a small release built from the offline emulator: a tiny model really
fine-tuned with TRL + PEFT on the CPU. Needs requirements-train.txt: without torch the tests
skip with a notice, unless EIDATASET_REQUIRE_TRAIN or CI is set (CI installs it)."""

import inspect
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from exports.card_training import BEGIN, END
from exports.hub import release_files
from exports.models import Release, TrainCheck
from exports.release_options import release_paths
from exports.training.recipe import recipe_lines, sft_trainer

REQUIRED = bool(os.environ.get("EIDATASET_REQUIRE_TRAIN") or os.environ.get("CI"))
try:
    import torch  # noqa: F401
except ImportError:
    if REQUIRED:
        raise
    pytest.skip(
        "train_check needs requirements-train.txt (torch, transformers, trl, peft, mistral-common)"
        "; set EIDATASET_REQUIRE_TRAIN=1 to fail instead of skipping",
        allow_module_level=True,
    )

STEPS = 3


def train_check(*args: str) -> str:
    out = io.StringIO()
    call_command("train_check", *args, stdout=out)
    return out.getvalue()


def test_the_chat_template_writes_what_mistral_commons_own_encoder_writes(release, hf_cache):
    from datasets import load_dataset
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    from exports.training.tokenizer import mistral_v3_tokenizer, model_file

    chat = load_dataset(release.folder, "chat")
    reference = MistralTokenizer.from_file(str(model_file()), mode=ValidationMode.finetuning)
    tokenizer = mistral_v3_tokenizer()

    for example in [*chat["train"], *chat["validation"]]:
        messages = example["messages"]
        expected = reference.encode_chat_completion(ChatCompletionRequest(messages=messages))
        rendered = tokenizer.apply_chat_template(
            messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
        )
        assert list(rendered["input_ids"]) == expected.tokens
        kept = [
            t for t, m in zip(rendered["input_ids"], rendered["assistant_masks"], strict=True) if m
        ]
        replies = "".join(f" {m['content']}</s>" for m in messages if m["role"] == "assistant")
        assert " " + tokenizer.decode(kept) == replies  # decoding drops the first space


def test_train_check_fine_tunes_the_release_records_it_and_writes_it_into_the_card(
    release, hf_cache, editor_client
):
    output = train_check(release.name, "--steps", str(STEPS))
    release.refresh_from_db()

    check = TrainCheck.objects.get(release=release)
    assert check.passed, check.problems
    assert check.steps == STEPS
    assert len(check.step_losses) == STEPS
    assert check.train_loss_end < check.train_loss_start
    assert check.validation_loss_end > 0
    assert check.lora_tensors > 0
    assert check.lora_tensors_changed == check.lora_tensors
    assert check.base_tensors > 0
    assert check.base_tensors_changed == 0
    assert check.examples == release.conversation_count
    assert 0 < check.tokens_min <= check.tokens_median <= check.tokens_p95 <= check.tokens_max
    assert check.suggested_max_length >= check.tokens_max
    assert check.suggested_max_length % 256 == 0
    assert 0.2 < check.loss_token_share < 0.95  # Elena's replies, not the system prompt
    assert set(check.versions) >= {"torch", "transformers", "trl", "peft"}
    assert f"after {STEPS} steps" in output
    assert f"suggested max_length {check.suggested_max_length}" in output

    # The card shows the code that ran and the suggested max_length.
    folder = Path(release.folder)
    card = (folder / "README.md").read_text()
    section = card[card.index(BEGIN) : card.index(END)]
    assert "## Train with TRL" in section
    assert "\n".join(recipe_lines()) in section
    assert all(line.strip() in inspect.getsource(sft_trainer) for line in recipe_lines())
    assert f"max_length = {check.suggested_max_length}\n" in section
    assert 'AutoModelForCausalLM.from_pretrained("YOUR_MODEL_ID")' in section
    assert f"max {check.tokens_max}" in section
    assert card.count("## Train with TRL") == 1

    # The release is still whole: checksums, recorded files and archives hold the new card.
    listed = release_files(release)  # checks every recorded size and SHA-256 against the disk
    assert "README.md" in {entry.path for entry in listed}
    _, zip_path, tar_path = release_paths(release.name)
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.read(f"{release.name}/README.md") == card.encode()
    with tarfile.open(tar_path) as archive:
        assert archive.extractfile(f"{release.name}/README.md").read() == card.encode()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]

    # The admin shows the check on the release.
    page = editor_client.get(reverse("admin:exports_release_change", args=[release.pk]))
    text = page.content.decode()
    assert f"LoRA {check.lora_tensors} of {check.lora_tensors}; base 0 of" in text
    assert f"p95 {check.tokens_p95}, max {check.tokens_max}" in text
    assert f"{check.loss_token_share:.1%} (assistant only)" in text


def test_the_loss_keeps_exactly_the_assistants_replies(release, hf_cache, tmp_path):
    from datasets import load_dataset

    from exports.training.check import tiny_model
    from exports.training.tokenizer import mistral_v3_tokenizer

    chat = load_dataset(release.folder, "chat")
    tokenizer = mistral_v3_tokenizer()
    model = tiny_model(tokenizer, 8192)

    trainer = sft_trainer(model, tokenizer, chat, None, 1, str(tmp_path / "out"))

    for example, row in zip(chat["train"], trainer.train_dataset, strict=True):
        kept = [
            t for t, label in zip(row["input_ids"], row["labels"], strict=True) if label != -100
        ]
        replies = "".join(
            f" {m['content']}</s>" for m in example["messages"] if m["role"] == "assistant"
        )
        assert " " + tokenizer.decode(kept) == replies  # decoding drops the first space


def test_a_release_that_is_not_ready_is_refused_and_nothing_is_recorded(release, hf_cache):
    Release.objects.filter(pk=release.pk).update(status=Release.Status.BUILDING)

    with pytest.raises(CommandError, match=r"is not ready \(status: building\)"):
        train_check(release.name)

    assert TrainCheck.objects.count() == 0


def test_a_release_without_its_chat_files_is_refused(release, hf_cache):
    (Path(release.folder) / "chat" / "validation.jsonl").unlink()

    with pytest.raises(CommandError, match=r"has no chat/validation\.jsonl: rebuild it"):
        train_check(release.name)

    assert TrainCheck.objects.count() == 0


def test_a_release_whose_card_predates_the_section_is_refused_before_training(release, hf_cache):
    readme = Path(release.folder) / "README.md"
    text = readme.read_text()
    readme.write_text(text[: text.index(BEGIN)] + text[text.index(END) + len(END) :])

    with pytest.raises(CommandError, match=r"has no 'Train with TRL' section.*--force"):
        train_check(release.name)

    assert TrainCheck.objects.count() == 0


@pytest.mark.parametrize("steps", ["0", "-2"])
def test_fewer_than_one_step_is_refused(release, hf_cache, steps):
    with pytest.raises(CommandError, match="--steps must be at least 1"):
        train_check(release.name, "--steps", steps)

    assert TrainCheck.objects.count() == 0


def test_an_unknown_release_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No release named 'nope'"):
        train_check("nope")
