"""A contract run as a console summary, JUnit XML and Markdown."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mock_server.contract.runner import ContractRun

MAX_DETAIL = 4000  # characters of one operation's findings in the console and Markdown


def console(run: ContractRun) -> str:
    lines = [f"sms-mock contract: {run.api} at {run.base_url}"]
    for result in run.results:
        mark = {
            "passed": "ok   ",
            "failed": "FAIL ",
            "error": "ERROR",
            "cut short": "short",
            "not sent": "skip ",
        }
        lines.append(f"  {mark[result.status]} {result.operation} ({result.grade})")
        if result.status in ("failed", "error"):
            lines += [f"        {line}" for line in result.detail[:MAX_DETAIL].splitlines()]
    lines += [f"  not run: {why}" for why in run.skipped]
    counts = {s: sum(1 for r in run.results if r.status == s) for s in ("passed", "cut short")}
    short = counts["cut short"]
    lines.append(
        f"{counts['passed']} operations passed, {len(run.failed)} failed"
        + (f", {short} cut short by --max-requests (what was sent passed)" if short else "")
        + f", {run.requests} requests"
        + (f", seed {run.seed}" if run.seed else "")
    )
    return "\n".join(lines) + "\n"


def junit(run: ContractRun) -> str:
    suite = ET.Element(
        "testsuite",
        name=f"sms-mock contract {run.api}",
        tests=str(len(run.results)),
        failures=str(sum(1 for r in run.results if r.status == "failed")),
        errors=str(sum(1 for r in run.results if r.status == "error")),
        skipped=str(sum(1 for r in run.results if r.status in ("not sent", "cut short"))),
    )
    for result in run.results:
        case = ET.SubElement(
            suite, "testcase", classname=f"{run.api}.{result.grade}", name=result.operation
        )
        if result.status in ("not sent", "cut short"):
            ET.SubElement(case, "skipped", message=result.detail)
        elif result.status in ("failed", "error"):
            tag = "failure" if result.status == "failed" else "error"
            element = ET.SubElement(
                case, tag, message=result.detail.splitlines()[0][:200] if result.detail else tag
            )
            element.text = result.detail
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def markdown(run: ContractRun) -> str:
    out = [
        f"# Contract report: {run.api}",
        "",
        f"Base URL: {run.base_url}. Requests sent: {run.requests}."
        + (f" Seed: {run.seed}." if run.seed else ""),
        "",
        "| operation | grade | result |",
        "|---|---|---|",
    ]
    out += [f"| {r.operation} | {r.grade} | {r.status} |" for r in run.results]
    for result in run.failed:
        out += [
            "",
            f"## {result.operation}: {result.status}",
            "",
            "```text",
            result.detail[:MAX_DETAIL],
            "```",
        ]
    if run.skipped:
        out += ["", "Not run:", ""] + [f"- {why}" for why in run.skipped]
    if not run.failed:
        out += ["", "No failures: the service matches the description."]
    return "\n".join(out) + "\n"
