"""The fine-tuning recipe: the dataset card's "Train with TRL" section shows the lines between
the markers verbatim (exports/card_training.py reads them from this file), and train_check
builds its trainer by calling this very function, so the card's code is the code that ran."""

from pathlib import Path
from typing import Any

BEGIN = "# recipe: begin"
END = "# recipe: end"


def sft_trainer(
    model: Any, tokenizer: Any, chat: Any, max_length: int | None, max_steps: int, output_dir: str
) -> Any:
    """An SFTTrainer for LoRA on the chat config, the loss on Elena's replies only."""
    # recipe: begin
    import torch
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    trainer = SFTTrainer(
        model=model,
        processing_class=tokenizer,
        train_dataset=chat["train"],
        eval_dataset=chat["validation"],
        args=SFTConfig(
            output_dir=output_dir,
            assistant_only_loss=True,  # the loss covers Elena's replies, not the client's turns
            max_length=max_length,
            max_steps=max_steps,  # -1: train for num_train_epochs
            num_train_epochs=3,
            learning_rate=2e-4,
            per_device_train_batch_size=1,
            logging_steps=1,
            report_to="none",
            use_cpu=not torch.cuda.is_available(),
            bf16=torch.cuda.is_available(),
        ),
        peft_config=LoraConfig(
            r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"
        ),
    )
    # recipe: end
    return trainer


def recipe_lines() -> list[str]:
    """The recipe's lines, dedented, as the card shows them (read as text: no torch needed)."""
    lines = Path(__file__).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == BEGIN) + 1
    end = next(i for i, line in enumerate(lines) if line.strip() == END)
    body = lines[start:end]
    indent = min(len(line) - len(line.lstrip()) for line in body if line.strip())
    return [line[indent:] for line in body]
