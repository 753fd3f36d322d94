"""The admin's login form, filled in a Playwright page: every browser journey starts with it."""


def submit_login(page, base_url: str, username: str, password: str = "pw"):
    """Log `page` in to the admin at `base_url` as `username` (tests.admin_forms.staff_user's password)."""
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    return page
