from tests.support.records import records, unlocked  # noqa: F401 - fixtures for this folder
