import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/%00",
        "/blog/%00/",
        "/media/%00",
        "/blog/?topic=%00",
        "/search/?q=a%00b",
        "/shop/?sort=%00",
        "/go/x/?article=%00",
    ],
)
def test_a_nul_anywhere_in_the_address_is_a_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "We couldn’t read that request" in response.content.decode()


def test_a_nul_in_a_cookie_or_a_form_field_is_a_400(client, db):
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code == 400
    client.cookies.clear()
    assert client.post("/newsletter/", {"email": "a\x00@example.com"}).status_code == 400


def test_a_media_name_the_file_system_cannot_hold_is_a_404(client, db):
    assert client.get("/media/" + "a" * 300 + ".jpg").status_code == 404
    assert client.get("/media/" + "/".join(["b" * 250] * 20)).status_code == 404
