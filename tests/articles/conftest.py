import pytest

from tests.admin_forms import staff_user


@pytest.fixture
def editor(client, django_user_model):
    """The test client, logged in as a member of Editors."""
    client.force_login(staff_user(django_user_model, "edna", "Editors"))
    return client


@pytest.fixture
def writer(client, django_user_model):
    """The test client, logged in as a member of Writers."""
    client.force_login(staff_user(django_user_model, "walt", "Writers"))
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """The test client, logged in as a superuser."""
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.com", "pw"))
    return client
