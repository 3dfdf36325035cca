"""The public media storage: article images, which are not health data and may be served."""

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible


@deconstructible(path="content.storage.PublicStorage")
class PublicStorage(Storage):
    """Delegates to `STORAGES["public"]` at call time, so settings overrides (tests) take effect.

    Django evaluates a field's storage once at import; this proxy keeps the field pointing at
    whatever the "public" alias is configured to be now, and never at the private default.
    """

    @staticmethod
    def backend() -> Storage:
        return storages["public"]

    def _open(self, name, mode="rb"):
        return self.backend()._open(name, mode)  # noqa: SLF001

    def _save(self, name, content):
        return self.backend()._save(name, content)  # noqa: SLF001

    def get_available_name(self, name, max_length=None):
        return self.backend().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend().generate_filename(filename)

    def delete(self, name):
        return self.backend().delete(name)

    def exists(self, name):
        return self.backend().exists(name)

    def listdir(self, path):
        return self.backend().listdir(path)

    def size(self, name):
        return self.backend().size(name)

    def url(self, name):
        return self.backend().url(name)

    def path(self, name):
        return self.backend().path(name)

    def get_modified_time(self, name):
        return self.backend().get_modified_time(name)


public_storage = PublicStorage()
