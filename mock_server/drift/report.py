"""A drift run as a console summary, JUnit XML (for CI artefacts) and Markdown."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from mock_server.drift.runner import DriftRun


def console(run: DriftRun) -> str:
    lines = [f"sms-mock drift: {run.api} at {run.base_url}"]
    for result in run.results:
        probe = result.probe
        if result.skipped:
            lines.append(f"  skip  {probe.name}: {result.skipped}")
        elif result.differences:
            lines.append(f"  DRIFT {probe.name} ({result.status})")
            lines += [f"        {d.kind}: {d.where} - {d.detail}" for d in result.differences]
        else:
            lines.append(f"  ok    {probe.name} ({result.status})")
    sent = [r for r in run.results if not r.skipped]
    lines.append(
        f"{len(sent)} probes sent, {len(run.results) - len(sent)} skipped, "
        f"{len(run.differences)} differences, spent {run.spent}"
    )
    return "\n".join(lines) + "\n"


def junit(run: DriftRun) -> str:
    suite = ET.Element(
        "testsuite",
        name=f"sms-mock drift {run.api}",
        tests=str(len(run.results)),
        failures=str(sum(1 for r in run.results if r.differences)),
        skipped=str(sum(1 for r in run.results if r.skipped)),
    )
    for result in run.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{run.api}.{result.probe.operation}",
            name=result.probe.name,
        )
        if result.skipped:
            ET.SubElement(case, "skipped", message=result.skipped)
        elif result.differences:
            failure = ET.SubElement(
                case, "failure", message=f"{len(result.differences)} differences"
            )
            failure.text = "\n".join(d.line() for d in result.differences)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def markdown(run: DriftRun) -> str:
    out = [f"# Drift report: {run.api}", "", f"Base URL: {run.base_url}. Spent: {run.spent}.", ""]
    if not run.differences:
        out.append("No differences: the service matches the description.")
    else:
        out += ["| operation | probe | kind | where | detail |", "|---|---|---|---|---|"]
        out += [
            f"| {d.operation} | {d.probe} | {d.kind} | `{d.where}` | {d.detail.replace('|', '/')} |"
            for d in run.differences
        ]
    skipped = [r for r in run.results if r.skipped]
    if skipped:
        out += ["", "Not sent:", ""] + [f"- {r.probe.name}: {r.skipped}" for r in skipped]
    return "\n".join(out) + "\n"
