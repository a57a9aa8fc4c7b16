"""Staff-only quality report pages, mounted under /admin/quality/."""

app_name = "quality"

urlpatterns: list = []
