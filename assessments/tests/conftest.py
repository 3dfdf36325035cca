import pytest

from assessments.consent import consent_give


@pytest.fixture
def client(client):
    """The question pages need consent first: tests of the flow start after it was given
    (tests of the consent page itself use a fresh `Client()`)."""
    session = client.session
    consent_give(session)
    session.save()
    return client
