"""The dataset card's YAML header: the Hub's metadata for a release (license, size, tags, the
chat and training_pairs configs with their splits and features), built with the Hub's and
`datasets`' own classes so it reads as push_to_hub would write it."""

from collections.abc import Mapping
from typing import Any

from datasets import DatasetInfo, Features, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCardData

CHAT_CONFIG = "chat"
TRAINING_CONFIG = "training_pairs"
TAGS = [
    "synthetic",
    "financial-planning",
    "emotional-intelligence",
    "empathetic-dialogue",
    "conversational",
    "multi-turn",
    "lora",
    "sft",
]
# The Hub's size buckets, by upper bound (the "n>1T" bucket takes the rest).
SIZE_CATEGORIES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
]


def card_metadata(stats: dict, features: Mapping[str, Features]) -> DatasetCardData:
    data = DatasetCardData(
        language=["en"],
        license=stats["license"],
        pretty_name=stats["title"],
        size_categories=[size_category(stats["total"])],
        task_categories=["text-generation"],
        annotations_creators=["machine-generated"],
        language_creators=["machine-generated"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
        tags=TAGS,
        configs=[
            config_entry(CHAT_CONFIG, chat_splits(stats), default=True),
            config_entry(TRAINING_CONFIG, training_splits(stats)),
        ],
    )
    infos = DatasetInfosDict(
        {
            CHAT_CONFIG: dataset_info(features[CHAT_CONFIG], chat_splits(stats), stats),
            TRAINING_CONFIG: dataset_info(features[TRAINING_CONFIG], training_splits(stats), stats),
        }
    )
    # datasets' own writer: the same dataset_info layout push_to_hub produces.
    infos.to_dataset_card_data(data)
    return data


def size_category(total: int) -> str:
    for bound, name in SIZE_CATEGORIES:
        if total < bound:
            return name
    return "n>1T"


def chat_splits(stats: dict) -> list[tuple[str, str, int]]:
    """(split, file path, conversations) for every chat split that has any."""
    files = stats.get("files") or {}
    return [
        (split, files.get(f"chat_{split}", f"chat/{split}.jsonl"), count)
        for split, count in (stats.get("splits") or {}).items()
        if count > 0
    ]


def training_splits(stats: dict) -> list[tuple[str, str, int]]:
    path = (stats.get("files") or {}).get("training", "conversations.jsonl")
    return [("train", path, stats["total"])] if stats["total"] > 0 else []


def config_entry(name: str, splits: list[tuple[str, str, int]], *, default: bool = False) -> dict:
    entry: dict[str, Any] = {"config_name": name}
    if default:
        entry["default"] = True
    entry["data_files"] = [{"split": split, "path": path} for split, path, _ in splits]
    return entry


def dataset_info(
    features: Features, splits: list[tuple[str, str, int]], stats: dict
) -> DatasetInfo:
    sizes = stats.get("bytes") or {}
    split_dict = SplitDict()
    for split, path, count in splits:
        split_dict.add(SplitInfo(name=split, num_bytes=sizes.get(path, 0), num_examples=count))
    size = sum(sizes.get(path, 0) for _, path, _ in splits)
    return DatasetInfo(features=features, splits=split_dict, download_size=size, dataset_size=size)
