"""`sms-mock contract`: the CI suite's schemathesis checks against any base URL, spend-safe."""

# What the budget hook raises in schemathesis' process, and the runner finds in its report.
BUDGET_SPENT = "sms-mock contract: the request budget (--max-requests) is spent; not sent"
