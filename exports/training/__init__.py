"""The training check: proof that a release fine-tunes (TRL SFTTrainer + PEFT LoRA, assistant-only
loss, on the CPU). Needs requirements-train.txt; nothing else in the app imports torch."""
