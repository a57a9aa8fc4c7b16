from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "eidataset: emotional-intelligence dataset studio"
admin.site.site_title = "eidataset"
admin.site.index_title = "Scaffolding, generation and releases"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
