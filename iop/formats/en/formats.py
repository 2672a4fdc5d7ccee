"""The project's formats for English (FORMAT_MODULE_PATH): what a bare `|date`, `|time` or a date
printed as `{{ value }}` writes, and Django admin's dates. The strings are iop.common.dates'
(Django's own English ones are month first, "Dec. 8, 2026"). Input formats are left to Django's."""

from iop.common.dates import DATE_FULL, DATE_SHORT, DATETIME_FULL, DATETIME_SHORT, TIME_HM

DATE_FORMAT = DATE_FULL
SHORT_DATE_FORMAT = DATE_SHORT
TIME_FORMAT = TIME_HM
DATETIME_FORMAT = DATETIME_FULL
SHORT_DATETIME_FORMAT = DATETIME_SHORT
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
