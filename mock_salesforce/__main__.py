"""``python -m mock_salesforce serve ...`` (see :mod:`mock_salesforce.cli`)."""

from mock_salesforce.cli import main

raise SystemExit(main())
