from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EidatasetConfig(AppConfig):
    name = "eidataset"
    verbose_name = "Dataset scaffolding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from eidataset.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="eidataset_role_groups")
