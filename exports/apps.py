from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Releases. Dataset editors get every permission of this app (eidataset.roles)."""

    name = "exports"
    verbose_name = "Releases"
    default_auto_field = "django.db.models.BigAutoField"
