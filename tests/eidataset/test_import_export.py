"""Every scaffolding model in and out as CSV, JSON and YAML, all or nothing."""

import json

import pytest
import tablib

from eidataset import resources
from eidataset.formats import CSV, JSON, YAML, FileFormatError, records_to_dataset
from eidataset.models import (
    ConsultantProfile,
    DocumentChunk,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    SourceDocument,
    TrainingTopic,
)

# In dependency order: importing into empty tables must work in this order.
RESOURCES = [
    resources.PersonaResource,
    resources.EmotionalArcResource,
    resources.TrainingTopicResource,
    resources.EdgeCaseResource,
    resources.SourceDocumentResource,
    resources.ConsultantProfileResource,
    resources.PromptTemplateResource,
]
FORMATS = [CSV, JSON, YAML]
MODELS_BY_DEPENDENTS_FIRST = [
    EdgeCase,
    DocumentChunk,
    SourceDocument,
    Persona,
    EmotionalArc,
    TrainingTopic,
    ConsultantProfile,
    PromptTemplate,
]


def snapshot(resource_class) -> list[dict]:
    rows = resource_class().export().dict
    keys = resource_class._meta.import_id_fields
    return sorted(rows, key=lambda row: tuple(str(row[key]) for key in keys))


def export_text(resource_class, file_format) -> str:
    return file_format().export_data(resource_class().export())


def import_text(resource_class, file_format, text, dry_run=False):
    dataset = file_format().create_dataset(text)
    return resource_class().import_data(dataset, dry_run=dry_run, raise_errors=False)


def wipe_scaffolding() -> None:
    for model in MODELS_BY_DEPENDENTS_FIRST:
        model.objects.all().delete()


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.__name__)
def test_every_model_round_trips_through_an_empty_database(scaffolding, file_format):
    before = {r: snapshot(r) for r in RESOURCES}
    files = {r: export_text(r, file_format) for r in RESOURCES}
    chunk_total = DocumentChunk.objects.count()
    wipe_scaffolding()
    for resource_class in RESOURCES:
        result = import_text(resource_class, file_format, files[resource_class])
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["new"] == len(before[resource_class])
    assert {r: snapshot(r) for r in RESOURCES} == before
    assert DocumentChunk.objects.count() == chunk_total


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_reimporting_the_same_file_changes_nothing(scaffolding, file_format, resource_class):
    text = export_text(resource_class, file_format)
    model = resource_class._meta.model
    stamps = sorted(map(str, model.objects.values_list("pk", flat=True)))
    result = import_text(resource_class, file_format, text)
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.totals["skip"] == model.objects.count() > 0
    assert sorted(map(str, model.objects.values_list("pk", flat=True))) == stamps


@pytest.mark.django_db
def test_an_import_updates_rows_matched_on_their_slug_key(scaffolding):
    rows = json.loads(export_text(resources.PersonaResource, JSON))
    rows[0]["archetype"] = "The Renamed Archetype"
    result = import_text(resources.PersonaResource, JSON, json.dumps(rows))
    assert (result.totals["update"], result.totals["new"]) == (1, 0)
    assert (
        Persona.objects.get(persona_key=rows[0]["persona_key"]).archetype == "The Renamed Archetype"
    )


PERSONA_CSV = (
    "persona_key,name,archetype,description,demographics,finances,communication_traits,"
    "typical_emotions,is_active\n"
    'new_one,Ana Ruiz,The Planner,Plans.,{},{},"[""calm""]","[""hope""]",true\n'
)


@pytest.mark.django_db
def test_a_file_with_one_bad_row_reports_that_row_and_imports_nothing():
    bad_row = 'new_two,Bo Li,The Doer,Does.,{},{},"[""quick""]","[""Very Sad""]",true\n'
    result = import_text(resources.PersonaResource, CSV, PERSONA_CSV + bad_row)
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 2
    assert "typical_emotions" in invalid.error_dict
    assert Persona.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        (PERSONA_CSV.replace(",true\n", ",maybe\n"), "is_active", "'maybe' is not true or false"),
        (PERSONA_CSV.replace(",{},{},", ',"{not json",{},'), "demographics", "is not valid JSON"),
    ],
)
def test_unreadable_cells_are_row_errors(bad_row, field, message):
    result = import_text(resources.PersonaResource, CSV, bad_row)
    (invalid,) = result.invalid_rows
    assert message in " ".join(invalid.error_dict[field])
    assert Persona.objects.count() == 0


@pytest.mark.django_db
def test_an_edge_case_naming_an_unknown_persona_is_a_row_error(scaffolding):
    rows = json.loads(export_text(resources.EdgeCaseResource, JSON))
    rows[0]["edge_case_key"] = "brand_new"
    rows[0]["persona"] = "nobody"
    result = import_text(resources.EdgeCaseResource, JSON, json.dumps(rows[:1]))
    (invalid,) = result.invalid_rows
    assert "there is no persona with persona_key 'nobody'" in invalid.error_dict["persona"][0]
    assert not EdgeCase.objects.filter(edge_case_key="brand_new").exists()


@pytest.mark.django_db
def test_an_edge_case_with_a_bad_regex_is_refused_on_import(scaffolding):
    rows = json.loads(export_text(resources.EdgeCaseResource, JSON))
    rows[0]["rules"] = [{"must_match": "(988"}]
    result = import_text(resources.EdgeCaseResource, JSON, json.dumps(rows))
    assert result.invalid_rows[0].number == 1
    assert "not a valid regular expression" in " ".join(result.invalid_rows[0].error_dict["rules"])
    assert EdgeCase.objects.get(edge_case_key=rows[0]["edge_case_key"]).rules != rows[0]["rules"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            PERSONA_CSV.replace("is_active\n", "is_active,nickname\n").replace(
                "true\n", "true,Bo\n"
            ),
            "unknown column(s): nickname",
        ),
        (PERSONA_CSV.replace("persona_key,", "key,"), "missing key column(s): persona_key"),
    ],
)
def test_a_file_with_unknown_or_missing_key_columns_imports_nothing(header, message):
    result = import_text(resources.PersonaResource, CSV, header)
    assert result.has_errors()
    assert message in str(result.base_errors[0].error)
    assert Persona.objects.count() == 0


def test_json_records_are_read_by_key_not_by_position():
    dataset = records_to_dataset([{"a": 1, "b": 2}, {"b": 20, "a": 10}])
    assert dataset.dict == [{"a": 1, "b": 2}, {"a": 10, "b": 20}]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"a": 1}, "list of records"),
        (
            [{"a": 1}, {"a": 2, "b": 3}],
            "Record 2 has different columns from record 1 (missing: none; extra: b)",
        ),
        ([1, 2], "list of records"),
    ],
)
def test_json_that_is_not_a_table_is_refused_with_a_reason(records, message):
    with pytest.raises(FileFormatError) as caught:
        records_to_dataset(records)
    assert message in str(caught.value)


def test_broken_json_and_yaml_are_refused_with_a_reason():
    with pytest.raises(FileFormatError, match="not valid JSON"):
        JSON().create_dataset('[{"a": 1,}]')
    with pytest.raises(FileFormatError, match="not valid YAML"):
        YAML().create_dataset("- a: [1, 2\n- b")


def test_csv_cells_carry_lists_and_mappings_as_json():
    dataset = tablib.Dataset(headers=["k", "v"])
    dataset.append(["x", {"age": 30, "city": "Mérida"}])
    text = CSV().export_data(dataset)
    assert '"{""age"": 30, ""city"": ""Mérida""}"' in text


@pytest.mark.django_db
def test_a_stored_version_cannot_be_changed_by_an_import(scaffolding):
    rows = json.loads(export_text(resources.PromptTemplateResource, JSON))
    rows[0]["body"] = "Something else entirely."
    result = import_text(resources.PromptTemplateResource, JSON, json.dumps(rows))
    assert result.has_validation_errors() or result.has_errors()
    assert PromptTemplate.objects.get().body != "Something else entirely."
    rows[0]["version"] = 2
    result = import_text(resources.PromptTemplateResource, JSON, json.dumps(rows))
    assert result.totals["new"] == 1
    assert PromptTemplate.objects.current("system").body == "Something else entirely."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("resource_class", "file_name"),
    [
        (resources.PersonaResource, "personas.yaml"),
        (resources.EmotionalArcResource, "arcs.yaml"),
        (resources.TrainingTopicResource, "topics.yaml"),
        (resources.EdgeCaseResource, "edge_cases.yaml"),
    ],
)
def test_the_shipped_defaults_are_themselves_importable_files(
    scaffolding, resource_class, file_name
):
    from eidataset.seeding import DEFAULTS_DIR

    text = (DEFAULTS_DIR / file_name).read_text(encoding="utf-8")
    result = import_text(resource_class, YAML, text)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == resource_class._meta.model.objects.count()
