from django.db import models
from django.db.models.functions import Lower


class Subscriber(models.Model):
    """A newsletter signup. The newsletter issue adds double opt-in and the consent record."""

    email = models.EmailField(max_length=254)
    source = models.CharField(max_length=300, blank=True, help_text="The page the visitor signed up on.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique")]

    def __str__(self):
        return self.email
