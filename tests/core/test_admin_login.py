from django.test import Client

from tests.admin_forms import staff_user

LOGIN = "/admin/login/?next=/admin/"


def attempt(client, password, address="198.51.100.20"):
    return client.post(LOGIN, {"username": "edna", "password": password}, REMOTE_ADDR=address)


def test_wrong_passwords_lock_the_client_out_even_for_the_right_one(db, django_user_model):
    user = staff_user(django_user_model, "edna", "Editors")
    user.set_password("the-right-one")
    user.save()
    client = Client()
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200  # the form again, with its error
    assert attempt(client, "wrong").status_code == 429  # the fifth locks the client out
    locked = attempt(client, "the-right-one")
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another client is not locked out, and a right password logs it in.
    other = Client()
    assert attempt(other, "the-right-one", address="203.0.113.5").status_code == 302


def test_a_right_password_before_the_limit_resets_the_count(db, django_user_model):
    user = staff_user(django_user_model, "edna", "Editors")
    user.set_password("the-right-one")
    user.save()
    for _ in range(4):
        attempt(Client(), "wrong")
    assert attempt(Client(), "the-right-one").status_code == 302
    for _ in range(4):
        attempt(Client(), "wrong")
    assert attempt(Client(), "the-right-one").status_code == 302
