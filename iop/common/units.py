from decimal import Decimal


def hours(minutes: int) -> Decimal:
    """Minutes as hours to one decimal, the way programs and payers state weekly hours."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))
