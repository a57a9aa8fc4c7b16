from tests.workers.conftest import start_cluster  # noqa: F401 - the real-qcluster fixture
