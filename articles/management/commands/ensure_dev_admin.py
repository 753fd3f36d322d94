"""Create local logins for development, once, and print them."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

# One login per role, so the workflow can be tried as content staff live it.
ROLE_LOGINS = [("editor", "Editors"), ("writer", "Writers")]


class Command(BaseCommand):
    help = (
        "Development only: create the superuser 'admin' (if no superuser exists) and the staff logins "
        "'editor' (Editors) and 'writer' (Writers), each with a random password printed once."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin runs only with DJANGO_DEBUG=1.")
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; its password was printed when it was made.")
        else:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", "admin@localhost", password)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Local admin login (development only, shown once): admin / {password}  (at /admin/)"
                )
            )
        for username, group in ROLE_LOGINS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username, f"{username}@localhost", password, is_staff=True)
            user.groups.add(Group.objects.get(name=group))
            self.stdout.write(
                self.style.SUCCESS(f"{group[:-1]} login (development only, shown once): {username} / {password}")
            )
