"""`train_check`: prove a release trains. Its `chat` config is loaded with `datasets` as the card
says, rendered with the Mistral v3 tokenizer's chat template (assistant spans marked), and a tiny
randomly initialised Llama-shaped model is fine-tuned on the CPU with the card's recipe
(exports/training/recipe.py) for a few steps.

Recorded on the release (TrainCheck): tokens per example, the share of tokens in the loss, the
loss over the first examples of the train and validation splits before and after (the same
examples, no dropout, so the fall is training and not a different batch), and which weights
moved: every LoRA tensor should, no base tensor may."""

import math
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypedDict

from exports.models import Release, TrainCheck
from exports.training.recipe import sft_trainer
from exports.training.tokenizer import NAME as TOKENIZER_NAME
from exports.training.tokenizer import mistral_v3_tokenizer


# The tiny model: big enough to have every kind of linear layer LoRA targets, small enough for
# a step of a ~2,000-token conversation to take about a second on one CPU core.
class _ModelShape(TypedDict):
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    tie_word_embeddings: bool


TINY: _ModelShape = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "tie_word_embeddings": False,
}
# max_length is suggested in whole blocks, so a release a little longer still fits.
LENGTH_BLOCK = 256
# The losses before and after are taken over the first examples of each split (the same ones
# each time): enough to see the fall, and a 10,000-conversation release is not evaluated whole.
EVAL_EXAMPLES = 16
PACKAGES = ("torch", "transformers", "trl", "peft", "datasets", "mistral-common")
SEED = 0


class TrainCheckError(Exception):
    """The release cannot be checked (not ready, no chat files, training packages missing)."""


@dataclass(frozen=True)
class Lengths:
    minimum: int
    median: float
    p95: int
    maximum: int
    examples: int

    @property
    def suggested_max_length(self) -> int:
        """The smallest whole block that holds every example: none is cut short."""
        return LENGTH_BLOCK * math.ceil(self.maximum / LENGTH_BLOCK)


def run_train_check(release: Release, steps: int) -> TrainCheck:
    """Fine-tune for `steps` steps and record what happened on a new TrainCheck row."""
    if steps < 1:
        raise TrainCheckError(f"--steps must be at least 1, not {steps}.")
    chat = load_chat(release)
    try:
        import torch
    except ImportError:
        raise TrainCheckError(
            "train_check needs the training packages: pip install -r requirements-train.txt "
            "(or make install-train)."
        ) from None
    tokenizer = mistral_v3_tokenizer()
    lengths = measure(tokenizer, [*chat["train"], *chat["validation"]])
    torch.manual_seed(SEED)
    model = tiny_model(tokenizer, lengths.suggested_max_length)
    base = [(param, param.detach().clone()) for param in model.parameters()]
    with tempfile.TemporaryDirectory() as output_dir:
        trainer = sft_trainer(
            model, tokenizer, chat, lengths.suggested_max_length, steps, output_dir
        )
        lora = lora_tensors(trainer.model)
        before = split_losses(trainer)
        started = time.perf_counter()
        trainer.train()
        elapsed = time.perf_counter() - started
        after = split_losses(trainer)
    check = TrainCheck(
        release=release,
        steps=steps,
        tokenizer=TOKENIZER_NAME,
        examples=lengths.examples,
        tokens_min=lengths.minimum,
        tokens_median=lengths.median,
        tokens_p95=lengths.p95,
        tokens_max=lengths.maximum,
        suggested_max_length=lengths.suggested_max_length,
        loss_token_share=loss_token_share(trainer.train_dataset),
        train_loss_start=before["train"],
        train_loss_end=after["train"],
        validation_loss_start=before["validation"],
        validation_loss_end=after["validation"],
        step_losses=[round(e["loss"], 5) for e in trainer.state.log_history if "loss" in e],
        lora_tensors=len(lora),
        lora_tensors_changed=sum(not torch.equal(p, start) for p, start in lora),
        base_tensors=len(base),
        base_tensors_changed=sum(not torch.equal(p, start) for p, start in base),
        seconds_per_step=elapsed / steps,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        versions={name: version(name) for name in PACKAGES},
    )
    check.problems = "\n".join(problems(check))
    check.passed = not check.problems
    check.save()
    return check


def load_chat(release: Release) -> Any:
    """The release's `chat` config, loaded from its folder as the card tells users to."""
    if release.status != Release.Status.READY:
        raise TrainCheckError(f"Release {release.name} is not ready (status: {release.status}).")
    folder = Path(release.folder)
    missing = [
        name
        for name in ("README.md", "chat/train.jsonl", "chat/validation.jsonl")
        if not (folder / name).is_file()
    ]
    if missing:
        raise TrainCheckError(
            f"Release {release.name}'s folder {folder} has no {', '.join(missing)}: rebuild it."
        )
    from datasets import load_dataset

    chat = load_dataset(str(folder), "chat")
    empty = [split for split in ("train", "validation") if len(chat.get(split) or []) == 0]
    if empty:
        raise TrainCheckError(
            f"Release {release.name}'s chat config has no {' or '.join(empty)} examples: "
            "a check needs both (build it with more conversations or a validation fraction)."
        )
    return chat


def measure(tokenizer: Any, examples: list[dict]) -> Lengths:
    """Tokens per example through the chat template, untruncated."""
    counts = sorted(
        len(tokenizer.apply_chat_template(example["messages"], tokenize=True)["input_ids"])
        for example in examples
    )
    return Lengths(
        minimum=counts[0],
        median=float(statistics.median(counts)),
        p95=counts[math.ceil(0.95 * len(counts)) - 1],  # nearest rank
        maximum=counts[-1],
        examples=len(counts),
    )


def tiny_model(tokenizer: Any, max_length: int) -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=max_length,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **TINY,
    )
    return LlamaForCausalLM(config)


def lora_tensors(model: Any) -> list[tuple[Any, Any]]:
    return [
        (param, param.detach().clone())
        for name, param in model.named_parameters()
        if "lora_" in name
    ]


def split_losses(trainer: Any) -> dict[str, float]:
    """The mean loss over each split's first examples, in eval mode (no dropout)."""
    return {
        split: trainer.evaluate(dataset.select(range(min(EVAL_EXAMPLES, len(dataset)))))[
            "eval_loss"
        ]
        for split, dataset in (
            ("train", trainer.train_dataset),
            ("validation", trainer.eval_dataset),
        )
    }


def loss_token_share(dataset: Any) -> float:
    """Labels TRL built for the loss: -100 marks a token the loss leaves out."""
    kept = total = 0
    for labels in dataset["labels"]:
        kept += sum(label != -100 for label in labels)
        total += len(labels)
    return kept / total


def problems(check: TrainCheck) -> list[str]:
    found = []
    if not check.train_loss_end < check.train_loss_start:
        found.append(
            f"The training loss did not fall ({check.train_loss_start:.4f} -> "
            f"{check.train_loss_end:.4f})."
        )
    if check.lora_tensors == 0 or check.lora_tensors_changed < check.lora_tensors:
        found.append(
            f"Only {check.lora_tensors_changed} of {check.lora_tensors} LoRA tensors changed."
        )
    if check.base_tensors_changed:
        found.append(f"{check.base_tensors_changed} base-model tensors changed.")
    if not 0 < check.loss_token_share < 1:
        found.append(f"The share of tokens in the loss is {check.loss_token_share:.3f}.")
    return found
