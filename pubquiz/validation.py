"""Form validation that re-renders the form with its values and one message per field."""
from decimal import Decimal, InvalidOperation


class Validation:
    def __init__(self, form):
        self.form = form
        self.errors = {}

    @property
    def ok(self):
        return not self.errors

    def error(self, field, message):
        self.errors.setdefault(field, message)

    def text(self, field, label, *, required=True, max_length=200):
        value = " ".join((self.form.get(field) or "").split())
        if required and not value:
            self.error(field, f"{label} is required.")
        elif len(value) > max_length:
            self.error(field, f"{label} must be at most {max_length} characters.")
        return value

    def integer(self, field, label, *, minimum, maximum, default=None):
        raw = (self.form.get(field) or "").strip()
        if not raw and default is not None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.error(field, f"{label} must be a whole number.")
            return default
        if not minimum <= value <= maximum:
            self.error(field, f"{label} must be between {minimum} and {maximum}.")
        return value

    def number(self, field, label, *, required=True):
        raw = (self.form.get(field) or "").strip().replace(",", ".")
        if not raw:
            if required:
                self.error(field, f"{label} is required.")
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.error(field, f"{label} must be a number, like 42 or 3.5.")
            return None
        if not value.is_finite() or abs(value) >= Decimal("1e15"):
            self.error(field, f"{label} is not a number we can use.")
            return None
        return value
