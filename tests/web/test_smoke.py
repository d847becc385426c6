from tests.conftest import sign_in
from tests.factories import person


def test_home_signed_out(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_sign_in_and_see_name(client, database):
    with database.transaction() as db:
        p = person(db)
        email, name = p.email, p.name
    sign_in(client, email)
    page = client.get("/")
    assert "&lt;script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert name.split(" ")[0] in page.text
