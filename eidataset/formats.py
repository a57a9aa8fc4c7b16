"""Import/export file formats for scaffolding: CSV, JSON and YAML.

Free-form fields (demographics, stages, rules...) travel as native lists and mappings in
JSON and YAML, and as JSON text inside a CSV cell.

JSON and YAML files are read by key, not by position: tablib alone takes the first
record's key order for every record, which silently shifts values between columns when a
hand-edited record lists its keys in another order.
"""

import json
from typing import Any

import tablib
import yaml
from import_export.formats import base_formats


class FileFormatError(ValueError):
    """The file cannot be read as the chosen format; the message says why, for a person."""


def _json_cells(dataset: tablib.Dataset) -> tablib.Dataset:
    encoded = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        encoded.append(
            [
                json.dumps(cell, ensure_ascii=False) if isinstance(cell, dict | list) else cell
                for cell in row
            ]
        )
    return encoded


def records_to_dataset(records: Any) -> tablib.Dataset:
    """A dataset from a list of mappings that all have the same keys (in any order)."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FileFormatError("The file must hold a list of records (mappings of column: value).")
    if not records:
        return tablib.Dataset()
    rows = [{str(key): value for key, value in record.items()} for record in records]
    headers = list(rows[0])
    dataset = tablib.Dataset(headers=headers)
    for number, row in enumerate(rows, start=1):
        if set(row) != set(headers):
            missing = sorted(set(headers) - set(row))
            extra = sorted(set(row) - set(headers))
            raise FileFormatError(
                f"Record {number} has different columns from record 1 "
                f"(missing: {', '.join(missing) or 'none'}; extra: {', '.join(extra) or 'none'})."
            )
        dataset.append([row[header] for header in headers])
    return dataset


class CSV(base_formats.CSV):
    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return super().export_data(_json_cells(dataset), **kwargs)


class JSON(base_formats.JSON):
    def create_dataset(self, in_stream: str | bytes, **kwargs: Any) -> tablib.Dataset:
        try:
            records = json.loads(in_stream)
        except json.JSONDecodeError as error:
            raise FileFormatError(f"This is not valid JSON: {error}.") from None
        return records_to_dataset(records)


class YAML(base_formats.YAML):
    def create_dataset(self, in_stream: str | bytes, **kwargs: Any) -> tablib.Dataset:
        try:
            records = yaml.safe_load(in_stream)
        except yaml.YAMLError as error:
            raise FileFormatError(f"This is not valid YAML: {error}.") from None
        return records_to_dataset(records)


SCAFFOLDING_FORMATS = [CSV, JSON, YAML]
