"""Form validation that re-renders the form with its values and one message per field."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _


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
            self.error(field, _("%(label)s is required.", label=label))
        elif len(value) > max_length:
            self.error(
                field,
                _("%(label)s must be at most %(max_length)s characters.", label=label, max_length=max_length),
            )
        return value

    def integer(self, field, label, *, minimum, maximum, default=None):
        raw = (self.form.get(field) or "").strip()
        if not raw and default is not None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.error(field, _("%(label)s must be a whole number.", label=label))
            return default
        if not minimum <= value <= maximum:
            self._out_of_range(field, label, minimum, maximum)
        return value

    def _out_of_range(self, field, label, minimum, maximum):
        self.error(
            field,
            _(
                "%(label)s must be between %(minimum)s and %(maximum)s.",
                label=label,
                minimum=minimum,
                maximum=maximum,
            ),
        )

    def points(self, field, label, *, minimum=-1000, maximum=1000):
        """Points in halves, typed as 7, 7.5, 7,5 or 7½ (−1½ too); None with a message otherwise."""
        raw = (self.form.get(field) or "").strip().replace("−", "-").replace(",", ".")
        if not raw:
            self.error(field, _("%(label)s are required.", label=label))
            return None
        half = raw.endswith("½")
        digits = raw.removesuffix("½").strip()
        if half and digits in ("", "-"):
            digits += "0"  # "½" alone is half a point
        try:
            value = Decimal(digits)
        except InvalidOperation:
            value = None
        if half and value is not None and value.is_finite() and value == value.to_integral_value():
            value += Decimal("-0.5" if digits.startswith("-") else "0.5")
        elif half:
            value = None  # "7.5½" is no number of points
        if value is None or not value.is_finite() or value * 2 != (value * 2).to_integral_value():
            self.error(field, _("Points go in halves, like 7 or 7½."))
            return None
        if not minimum <= value <= maximum:
            self._out_of_range(field, label, minimum, maximum)
            return None
        return value

    def number(self, field, label, *, required=True):
        raw = (self.form.get(field) or "").strip().replace(",", ".")
        if not raw:
            if required:
                self.error(field, _("%(label)s is required.", label=label))
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.error(field, _("%(label)s must be a number, like 42 or 3.5.", label=label))
            return None
        if not value.is_finite() or abs(value) >= Decimal("1e15"):
            self.error(field, _("%(label)s is not a number we can use.", label=label))
            return None
        return value
