"""The scaffolding of the dataset: who talks, how they feel, what about, and the edge cases.

Table names mirror the product's Supabase tables. Every row has a UUID key and a stable
slug key (`persona_key`, ...) that imports, exports and plans refer to.
"""

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.template import Context, Engine, TemplateSyntaxError

from eidataset.chunking import split_into_chunks
from eidataset.querysets import ScaffoldingQuerySet, VersionQuerySet
from eidataset.rules import validate_rules
from eidataset.validators import (
    validate_communication_style,
    validate_emotion,
    validate_emotion_list,
    validate_mapping,
    validate_stages,
    validate_text_list,
    validate_text_mapping,
)


class Scaffolding(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    is_active = models.BooleanField(
        default=True, help_text="Inactive rows are left out of new plans."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScaffoldingQuerySet.as_manager()

    class Meta:
        abstract = True


class Persona(Scaffolding):
    persona_key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, help_text="The client's name, e.g. Marcus Chen.")
    archetype = models.CharField(max_length=120, help_text="e.g. The Overwhelmed Avoider.")
    description = models.TextField(help_text="Background: work, family, history with money.")
    demographics = models.JSONField(default=dict, blank=True, validators=[validate_mapping])
    finances = models.JSONField(default=dict, blank=True, validators=[validate_mapping])
    communication_traits = models.JSONField(default=list, validators=[validate_text_list])
    typical_emotions = models.JSONField(default=list, validators=[validate_emotion_list])

    class Meta:
        db_table = "personas"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """As the spec writes it: "Marcus Chen - The Overwhelmed Avoider"."""
        return f"{self.name} - {self.archetype}"


class EmotionalArc(Scaffolding):
    class ArcType(models.TextChoices):
        RESOLUTION = "resolution", "Resolution (a hard feeling eases)"
        ACCEPTANCE = "acceptance", "Acceptance (shame, guilt or grief is held kindly)"
        PRIORITIZATION = "prioritization", "Prioritization (too much becomes an order)"
        REFERRAL = "referral", "Referral (handed to the right professional)"

    arc_key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, help_text="e.g. Confusion → Clarity.")
    arc_type = models.CharField(max_length=20, choices=ArcType.choices)
    description = models.TextField(blank=True)
    starting_emotion = models.CharField(max_length=40, validators=[validate_emotion])
    ending_emotion = models.CharField(max_length=40, validators=[validate_emotion])
    starting_neighbours = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_emotion_list],
        help_text="Vocabulary labels close enough to the starting emotion to count as the start.",
    )
    ending_neighbours = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_emotion_list],
        help_text="Vocabulary labels close enough to the ending emotion to count as the end.",
    )
    stages = models.JSONField(default=list, validators=[validate_stages])
    is_priority = models.BooleanField(default=False, help_text="A priority arc in the spec.")

    class Meta:
        db_table = "emotional_arcs"
        ordering = ["-is_priority", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starting_emotion and self.starting_emotion == self.ending_emotion:
            raise ValidationError({"ending_emotion": "An arc must end in a different emotion."})
        start = {self.starting_emotion, *(self.starting_neighbours or [])}
        end = {self.ending_emotion, *(self.ending_neighbours or [])}
        if both := sorted(label for label in start & end if isinstance(label, str)):
            raise ValidationError(
                {
                    "ending_neighbours": f"{', '.join(both)} cannot mark both the start and the "
                    "end of the arc: the progression check could not tell them apart."
                }
            )

    def starts(self, label: str) -> bool:
        """Whether `label` (a vocabulary label) is the arc's start or one of its neighbours."""
        return label == self.starting_emotion or label in (self.starting_neighbours or [])

    def ends(self, label: str) -> bool:
        """Whether `label` (a vocabulary label) is the arc's end or one of its neighbours."""
        return label == self.ending_emotion or label in (self.ending_neighbours or [])


class TrainingTopic(Scaffolding):
    class Category(models.TextChoices):
        INVESTMENT_BASICS = "investment_basics", "Investment basics"
        RETIREMENT_PLANNING = "retirement_planning", "Retirement planning"
        DEBT_MANAGEMENT = "debt_management", "Debt management"
        CASH_FLOW_BUDGETING = "cash_flow_budgeting", "Cash flow / budgeting"
        INSURANCE_DECISIONS = "insurance_decisions", "Insurance decisions"
        TAX_STRATEGY = "tax_strategy", "Tax strategy"
        ESTATE_PLANNING = "estate_planning", "Estate planning"
        LIFE_TRANSITIONS = "life_transitions", "Life transitions"

    topic_key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.TextField(blank=True)
    key_concepts = models.JSONField(default=list, blank=True, validators=[validate_text_list])
    is_edge_case_only = models.BooleanField(
        default=False,
        help_text="Only edge cases use this topic (e.g. a crisis, where the house rules demand "
        "a referral that only an edge case's rules check).",
    )

    class Meta:
        db_table = "training_topics"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def key_learning_objective(self) -> str:
        """What a conversation on this topic teaches, as the training format's
        `key_learning_objective` states it (and the reviewer's checklist asks about)."""
        return self.name


class EdgeCase(Scaffolding):
    class Type(models.TextChoices):
        CRISIS_DETECTION = "crisis_detection", "Crisis detection"
        ETHICAL_BOUNDARY = "ethical_boundary", "Ethical boundary"
        MULTI_ISSUE_COMPLEXITY = "multi_issue_complexity", "Multi-issue complexity"
        SCOPE_BOUNDARY = "scope_boundary", "Scope boundary (refer to another professional)"
        EMOTIONAL_ESCALATION = "emotional_escalation", "Emotional escalation"
        VULNERABLE_CLIENT = "vulnerable_client", "Vulnerable client"
        PRIVACY_BOUNDARY = "privacy_boundary", "Privacy or honesty boundary"
        CONFLICTING_GOALS = "conflicting_goals", "Conflicting goals"

    edge_case_key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=160)
    edge_case_type = models.CharField(max_length=30, choices=Type.choices)
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="edge_cases")
    emotional_arc = models.ForeignKey(
        EmotionalArc, on_delete=models.PROTECT, related_name="edge_cases"
    )
    training_topic = models.ForeignKey(
        TrainingTopic, on_delete=models.PROTECT, related_name="edge_cases"
    )
    expected_behavior = models.TextField(
        help_text="What Elena must do, in words a reviewer can judge."
    )
    rules = models.JSONField(
        validators=[validate_rules],
        help_text='Machine-checkable rules, e.g. [{"must_match": "\\\\b988\\\\b", "by_turn": 2}].',
    )

    class Meta:
        db_table = "edge_cases"
        ordering = ["edge_case_type", "name"]

    def __str__(self) -> str:
        return self.name


class SourceDocument(Scaffolding):
    document_key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    training_topic = models.ForeignKey(
        TrainingTopic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        help_text="The topic tag its chunks start with.",
    )
    text = models.TextField(help_text="Plain text or Markdown.")
    source_filename = models.CharField(max_length=255, blank=True)
    chunk_size = models.PositiveIntegerField(default=0, help_text="Characters; 0 uses the setting.")
    chunk_overlap = models.PositiveIntegerField(
        default=0, help_text="Characters; 0 uses the setting."
    )

    class Meta:
        db_table = "source_documents"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_chunk_size(self) -> int:
        return self.chunk_size or settings.SOURCE_CHUNK_SIZE

    @property
    def effective_chunk_overlap(self) -> int:
        return self.chunk_overlap or settings.SOURCE_CHUNK_OVERLAP

    def clean(self) -> None:
        if not self.text.strip():
            raise ValidationError({"text": "A document needs some text."})
        if self.effective_chunk_overlap * 2 > self.effective_chunk_size:
            raise ValidationError(
                {"chunk_overlap": "The overlap can be at most half the chunk size."}
            )
        if self.effective_chunk_size < 200:
            raise ValidationError(
                {"chunk_size": "Chunks of fewer than 200 characters carry no context."}
            )

    @transaction.atomic
    def rechunk(self) -> int:
        """Replace the chunks with a fresh split; a chunk whose text is unchanged keeps its tag."""
        tags = {chunk.text: chunk.training_topic_id for chunk in self.chunks.all()}
        self.chunks.all().delete()
        texts = split_into_chunks(
            self.text, self.effective_chunk_size, self.effective_chunk_overlap
        )
        DocumentChunk.objects.bulk_create(
            DocumentChunk(
                document=self,
                position=position,
                text=text,
                training_topic_id=tags.get(text, self.training_topic_id),
            )
            for position, text in enumerate(texts, start=1)
        )
        return len(texts)


class DocumentChunk(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(SourceDocument, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()
    training_topic = models.ForeignKey(
        TrainingTopic, on_delete=models.SET_NULL, null=True, blank=True, related_name="chunks"
    )

    class Meta:
        db_table = "document_chunks"
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="unique_chunk_position")
        ]

    def __str__(self) -> str:
        return f"{self.document} #{self.position}"


class Versioned(models.Model):
    """A row that is never edited in place: a change is saved as the next version.

    Conversations record the version they were generated with, so old versions stay
    readable and unchanged.
    """

    KEY_FIELD = ""
    CONTENT_FIELDS: tuple[str, ...] = ()

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    change_note = models.CharField(max_length=200, blank=True, help_text="What changed, and why.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(f"{self} is a saved version; save changes with revise().")
        super().save(*args, **kwargs)

    @property
    def key(self) -> str:
        return getattr(self, self.KEY_FIELD)

    def content(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in self.CONTENT_FIELDS}

    def revise(self, changes: dict[str, Any], user: Any = None, note: str = "") -> "Versioned":
        """Save `changes` as the version after the newest; return it (self if nothing changed)."""
        content = {**self.content(), **changes}
        if content == self.content():
            return self
        model = type(self)
        revision = model(**{self.KEY_FIELD: self.key}, **content, change_note=note)
        revision.created_by = user if getattr(user, "pk", None) else None
        revision.full_clean(exclude=["version"])
        try:
            with transaction.atomic():
                newest = model.objects.of(self.key).order_by("-version").first()
                revision.version = (newest.version if newest else 0) + 1
                revision.save()
        except IntegrityError:
            raise ValidationError(
                f"Someone saved a new version of {self.key} at the same time; reload and retry."
            ) from None
        return revision


class ConsultantProfile(Versioned):
    KEY_FIELD = "profile_key"
    CONTENT_FIELDS = (
        "name",
        "business",
        "expertise",
        "years_experience",
        "core_philosophy",
        "communication_style",
    )

    profile_key = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    business = models.CharField(max_length=160)
    expertise = models.CharField(max_length=300)
    years_experience = models.PositiveSmallIntegerField()
    core_philosophy = models.JSONField(validators=[validate_text_mapping])
    communication_style = models.JSONField(validators=[validate_communication_style])

    class Meta:
        db_table = "consultant_profiles"
        ordering = ["profile_key", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["profile_key", "version"], name="unique_profile_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def as_dict(self) -> dict[str, Any]:
        """The spec's `consultant_profile` object."""
        return {field: getattr(self, field) for field in self.CONTENT_FIELDS}


_TEMPLATE_ENGINE = Engine(autoescape=False, string_if_invalid="")


def validate_template(body: str) -> None:
    try:
        _TEMPLATE_ENGINE.from_string(body)
    except TemplateSyntaxError as error:
        raise ValidationError(f"Template syntax error: {error}") from None


class PromptTemplate(Versioned):
    KEY_FIELD = "template_key"
    CONTENT_FIELDS = ("body",)

    template_key = models.SlugField(max_length=80, help_text="e.g. system.")
    body = models.TextField(
        validators=[validate_template],
        help_text="Django template syntax; {{ consultant.name }} and the other profile fields.",
    )

    class Meta:
        db_table = "prompt_templates"
        ordering = ["template_key", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["template_key", "version"], name="unique_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_key} prompt (v{self.version})"

    def render(self, **context: Any) -> str:
        return (
            _TEMPLATE_ENGINE.from_string(self.body)
            .render(Context(context, autoescape=False))
            .strip()
        )
