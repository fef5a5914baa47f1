"""sms4sats handlers, one per operation, named after its operationId.

Until the sms4sats simulation lands (hold invoices, orders, accounts), each answers with the
example its operation documents; the request has been validated against the description.
"""

from __future__ import annotations

from mock_server.spec.pipeline import ApiRequest, Reply


def get_availability(req: ApiRequest) -> Reply:
    return req.example(200)


def get_price(req: ApiRequest) -> Reply:
    return req.example(200)


def get_numbers_status(req: ApiRequest) -> Reply:
    return req.example(200)


def get_countries(req: ApiRequest) -> Reply:
    return req.example(200)


def get_rental_countries(req: ApiRequest) -> Reply:
    return req.example(200)


def create_order(req: ApiRequest) -> Reply:
    return req.example(200)


def get_order_status(req: ApiRequest) -> Reply:
    return req.example(200, "receive")


def cancel_order(req: ApiRequest) -> Reply:
    return req.example(200)


def create_send_order(req: ApiRequest) -> Reply:
    return req.example(200)


def create_email_send_order(req: ApiRequest) -> Reply:
    return req.example(200)


def create_fund_order(req: ApiRequest) -> Reply:
    return req.example(200)


def get_balance(req: ApiRequest) -> Reply:
    return req.example(200)


def get_history(req: ApiRequest) -> Reply:
    return req.example(200)
