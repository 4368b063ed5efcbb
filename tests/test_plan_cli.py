"""`drillsim plan`: the effective plan as text, as a Mermaid flowchart naming every actor, and as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from drillsim.scenario.units import parse_clock, parse_duration, parse_offset
from tests.helpers import drillsim

# Every actor of the plan (its Art. 4-7 and 13), as words that must appear in a node of the flowchart.
DOMAIN_ACTORS = [
    "discoverer", "department head", "grid worker", "office", "leadership group", "leader", "deputy",
    "social security", "public-security and criminal", "accidents and disasters", "public health",
    "natural disasters", "network and information security", "exam security", "information group",
    "command post", "reserve team", "street", "district", "city", "provincial",
]
NODE = re.compile(r'^\s*(\w+)\["([^"]*)"\]$')
EDGE = re.compile(r'^\s*(\w+) -\.?->(?:\|"?([^|"]*)"?\|)? (\w+)$')


@pytest.fixture(scope="module")
def mermaid() -> str:
    result = drillsim("plan", "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_mermaid_names_every_actor_of_the_plan(mermaid: str) -> None:
    assert mermaid.startswith("flowchart TD\n")
    nodes = dict(m.groups() for line in mermaid.splitlines() if (m := NODE.match(line)))
    titles = " | ".join(nodes.values()).lower()
    missing = [actor for actor in DOMAIN_ACTORS if actor not in titles]
    assert not missing, f"not in the flowchart: {missing}"
    assert sum(node.startswith("group_") for node in nodes) == 8


def test_mermaid_connects_every_node_and_puts_deadlines_on_their_edges(mermaid: str) -> None:
    nodes = {m[1] for line in mermaid.splitlines() if (m := NODE.match(line))}
    edges = [m.groups() for line in mermaid.splitlines() if (m := EDGE.match(line))]
    connected = {end for src, _, target in edges for end in (src, target)}
    assert nodes <= connected, f"nodes with no edge: {nodes - connected}"
    labels: dict[tuple[str, str], list[str]] = {}
    for src, label, target in edges:
        labels.setdefault((src, target), []).append(label)
    assert "judge; office_to_leadership within 20m" in labels["office", "leader"]
    assert "continuation; continuation within 30m" in labels["office", "leader"]
    assert "command_post_report; command_post_upward within 1h" in labels["command_post", "street"]
    assert labels["office", "province"] == ["phone_province; province_phone within 40m",
                                            "written_province; province_written within 2h",
                                            "continuation_province; continuation_province within 40m"]
    assert "final_report; final_report within 2h; levels I, II, III, IV" in labels["office", "street"]
    assert labels["office", "city"] == ["escalate; upward_without_post within 1h; level I",
                                        "continuation_superiors; level I",
                                        "final_report; final_report within 2h; level I"]
    assert labels["leader", "city"] == ["leadership_upward; level I"]
    assert labels["deputy", "leader"] == ["stands in for a busy leader after 5m"]


def test_text_shows_staffing_flow_escalation_and_deadlines_with_units(tmp_path: Path) -> None:
    scenario = tmp_path / "leave.yaml"
    scenario.write_text('name: leave\nplan: builtin\nhorizon: 3d\nstaffing:\n  office:\n    absences:\n'
                        '      - {from: "1d 08:00", to: "2d 08:00", staff: 1}\n', encoding="utf-8")
    result = drillsim("plan", str(scenario))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("leave\n")
    assert "horizon 3d; 20 replications" in out
    assert "1 away from 1d 08:00 to 2d 08:00" in out
    assert "3 from 08:00 to 18:00" in out
    assert "verify: whoever received first_report; after first_report" in out
    assert "or to department_head with probability department_head_first (0.3)" in out
    assert re.search(r"^  I +street, district, city$", out, re.MULTILINE)
    assert re.search(r"^  office_to_leadership +20m  occurred -> leadership_received; applies to every incident",
                     out, re.MULTILINE)
    assert not re.search(r"\d+s-\d+s", out), "raw seconds in the plan text"


def test_json_is_the_effective_scenario_with_units() -> None:
    result = drillsim("plan", "scenarios/night-shift-one-grid-worker.yaml", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "Night shift with one grid worker"
    assert data["horizon"] == "7d" and parse_duration(data["horizon"]) == 7 * 86400
    assert list(data["staffing"]["grid_worker"]["grids"]) == ["community"]
    assert data["staffing"]["office"]["shifts"][1] == {"from": "22:00", "to": "07:00", "staff": 1}
    assert data["durations"]["judge"] == {"by_category": {}, "by_level": {}, "time_of_day": [],
                                          "dist": "triangular", "low": "2m", "mode": "4m", "high": "8m"}
    assert {rule: entry["limit"] for rule, entry in data["deadlines"].items()}["province_written"] == "2h"
    for rule in data["deadlines"].values():
        assert isinstance(rule["limit"], str) and parse_duration(rule["limit"]) > 0
    assert parse_offset(data["sources"][0]["start"]) == 0
    assert parse_clock(data["durations"]["discovery"]["time_of_day"][0]["from"]) == 22 * 3600


def test_plan_of_a_malformed_scenario_exits_2_with_the_line(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\nplan: builtin\nhorizon: 7\n", encoding="utf-8")
    result = drillsim("plan", str(scenario), "--format", "mermaid")
    assert result.returncode == 2
    assert f"{scenario}:3: horizon: the bare number 7 has no unit" in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout


PEOPLE = ('name: people\nplan: builtin\nhorizon: 3d\npolicy: level\npeople:\n'
          '  ana: {title: Ana the clerk, roles: [office, "grid_worker:grid_1"], shifts: [{from: "08:00", to: "18:00"}],'
          ' absences: [{from: "1d 08:00", to: "2d 08:00"}]}\n'
          'categories:\n  exam_security: {external: "police 110"}\nstaffing:\n  department_head: {preempt: true}\n')


def test_text_shows_people_teams_working_groups_and_who_calls_responders(tmp_path: Path) -> None:
    scenario = tmp_path / "people.yaml"
    scenario.write_text(PEOPLE, encoding="utf-8")
    result = drillsim("plan", str(scenario))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def line(start: str) -> str:
        found = [text for text in lines if re.match(rf"^  {start}\s", text)]
        assert len(found) == 1, (start, found)
        return found[0]

    assert "tasks served the most serious level first (level)" in lines[2]
    assert "held by ana in grid_1" in line("grid_worker") and "held by ana" in line("office")
    assert "no anonymous staff; held by party_secretary" in line("leader")
    assert "no anonymous staff; stands in after 5m; held by committee_director" in line("deputy")
    assert "serves the most serious level first, pausing a worse task" in line("department_head")
    assert "team: led by commander (stand-in deputy after 5m); members from committee_member" in line("command_post")
    assert "team: members from volunteer, property_security, community_police, grid_worker" in line("reserve_team")
    assert " ".join(line("ana").split()[1:]) == ("Ana the clerk holds office, grid_worker:grid_1; on duty 08:00-18:00; "
                                                 "away from 1d 08:00 to 2d 08:00")
    assert "holds leader, commander; on duty throughout" in line("party_secretary")
    social = next(text for text in lines if "Social security group" in text)
    assert ("led by leader (party_secretary), deputy deputy (committee_director) after 5m; members community_police, "
            "property_security, grid_worker; takes social_security, other") in social
    categories = lines[lines.index(next(t for t in lines if t.startswith("Categories"))) + 1:]
    assert any(re.match(r"^  exam_security +group exam_security; calls police 110", t) for t in categories)
    assert any(re.match(r"^  network_security +group network_security; no professional responders", t)
               for t in categories)
    assert "resolve: reserve_team; after activate_group; only when the category does not call professional " \
           "responders" in result.stdout
    assert "external_response: professional_responders; after first_report; only when the category calls " \
           "professional responders" in result.stdout
    assert re.search(r"group_response: working_group \(the category's\); .*takes members \(3 for level I, 2 for level "
                     r"II, 1 for level III, 1 for level IV\) and its leader;", result.stdout)


def test_mermaid_draws_who_staffs_teams_and_groups_and_each_person_to_their_roles(tmp_path: Path) -> None:
    scenario = tmp_path / "people.yaml"
    scenario.write_text(PEOPLE, encoding="utf-8")
    result = drillsim("plan", str(scenario), "--format", "mermaid")
    assert result.returncode == 0, result.stderr
    edges = {m.groups() for line in result.stdout.splitlines() if (m := EDGE.match(line))}
    assert {("commander", "leads", "command_post"), ("committee_member", "member", "command_post"),
            ("grid_worker", "member", "reserve_team"), ("deputy", "deputy of every group", "working_groups"),
            ("property_security", "member of every group", "working_groups"),
            ("health_station", "member", "group_public_health"),
            ("person_ana", "holds", "office"), ("person_ana", "holds in grid_1", "grid_worker"),
            ("person_party_secretary", "holds", "commander")} <= edges
    # A police officer is in six of the eight groups: an edge to each of them, none to the groups they are not in.
    assert {target for src, _, target in edges if src == "community_police" and target.startswith("group_")} == {
        f"group_{g}" for g in ("social_security", "public_security_criminal", "accidents_disasters",
                               "natural_disasters", "network_security", "exam_security")}
    assert '    person_ana(["Ana the clerk"])' in result.stdout.splitlines()


def test_json_writes_the_people_the_policy_and_each_categorys_responders(tmp_path: Path) -> None:
    scenario = tmp_path / "people.yaml"
    scenario.write_text(PEOPLE, encoding="utf-8")
    result = drillsim("plan", str(scenario), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["people"]["ana"]["roles"] == ["office", "grid_worker:grid_1"]
    assert data["people"]["ana"]["absences"] == [{"from": "1d 08:00", "to": "2d 08:00"}]
    assert data["policy"] == "level" and data["staffing"]["department_head"]["preempt"] is True
    assert data["categories"]["exam_security"]["external"] == "police 110"
    assert data["actors"]["command_post"]["leader"] == "commander"


def bare(text: str) -> str:
    """Output with its wrapping undone: the plan's Chinese text is broken over lines by terminal cells."""
    return "".join(text.split())


def test_text_quotes_each_entrys_words_marks_open_numbers_and_the_readings_in_force() -> None:
    result = drillsim("plan")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The deadline line, then the plan's own words for it, wrapped in lines of at most 100 cells.
    at = next(i for i, line in enumerate(lines) if re.match(r"^  grid_to_office +30m ", line))
    assert lines[at].endswith("; open: a default, the plan leaves it open  [Art. 8.2(2)]")
    assert bare("".join(lines[at + 1:at + 3])) == (
        "社區網格員或所在部門應在接到報告后立即進行核實,并在規定時限內向[蘭州某社區]社區居委會辦公室(以下簡稱“辦公室”)報告。")
    own = next(line for line in lines if re.match(r"^  office_to_leadership +20m ", line))
    assert "open" not in own and own.endswith("[Art. 10.2]")
    assert "(四)適時發布信息引導輿論。" in bare(result.stdout.split("  publish_information:")[1].split("  resolve:")[0])
    quoted = [line for line in lines if line.startswith("    ") and not line.strip()[0].isascii()]
    assert len(quoted) > 100 and 96 <= max(cell_len(line) for line in quoted) <= 100
    assert not any(line.strip()[0] in "。,;:、)" for line in quoted), "a line begins with a closing mark"
    readings = lines[lines.index(next(line for line in lines if line.startswith("Readings"))):]
    start = next(i for i, line in enumerate(readings) if line.startswith("  office_to_leadership.start:"))
    assert "in force: occurred (the plan's default)  [Art. 10.2]" in readings[start]
    alternatives = [line for line in readings[start + 1:start + 8] if re.match(r"^    [* ] [a-z]", line)]
    assert [line.split(":")[0].strip() for line in alternatives] == ["* occurred", "discovered", "office_received"]


def test_rule_prints_its_limit_clock_text_and_the_readings_that_move_it(tmp_path: Path) -> None:
    result = drillsim("plan", "--rule", "command_post_upward")
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[:5] == ["command_post_upward: command post reports upward", "  limit 1h; the plan's own number",
                       "  clock from occurred to command_post_report_received",
                       "  applies to incidents with a command post", "  Art. 10.2"]
    assert bare("".join(out[5:7])) == (
        "現場指揮部應在1小時內將事件基本情況、已采取措施及下一步工作建議上報至上級主管部門(如:蘭州市XX區XX街道)。")
    clock = out.index("Readings that move it: each sets its clock or removes it")
    assert out[clock + 1].startswith("  command_post_upward.start: when the command post's 1 hour starts; "
                                     "in force: occurred (the plan's default)")
    assert "    * occurred: " in out[clock + 4] and out[clock + 5].startswith("      command_post_set_up: ")
    # Readings that change the chain may move every rule: they are listed apart.
    chain = out.index("Readings that move it: each changes what the chain does, so it may move every rule")
    assert [line.split(":")[0].strip() for line in out[chain:] if re.match(r"^  \S", line)] == [
        "other.working_group", "leadership_upward.when", "publish_information.when", "casualties.known"]
    # Read the other way, the other alternative is the one in force.
    other = tmp_path / "post.yaml"
    other.write_text("name: post\nplan: builtin\nhorizon: 1d\n"
                     "read_as: {command_post_upward.start: command_post_set_up}\n", encoding="utf-8")
    read = drillsim("plan", str(other), "--rule", "command_post_upward")
    assert read.returncode == 0, read.stderr
    assert "  clock from command_post_set_up to command_post_report_received" in read.stdout
    assert "in force: command_post_set_up (the plan's default is occurred)" in read.stdout
    assert "\n    * command_post_set_up: the 1 hour is the post's own duty" in read.stdout


def test_rule_as_json_carries_article_text_open_and_readings() -> None:
    result = drillsim("plan", "--rule", "grid_to_office", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["rule"], data["limit"], data["open"]) == ("grid_to_office", "30m", True)
    assert data["article"] == "Art. 8.2(2)"
    assert "并在規定時限內向" in data["text"]
    clock = [reading for reading in data["readings"] if reading["moves"] == "clock"]
    assert [(r["reading"], r["in_force"], r["default"], list(r["alternatives"])) for r in clock] == [
        ("grid_to_office.limit", "30m", "30m", ["30m", "10m"])]
    assert clock[0]["alternatives"]["10m"]["means"].startswith("規定時限 short enough")
    plan = json.loads(drillsim("plan", "--format", "json").stdout)
    assert plan["read_as"]["command_post_upward.start"] == "occurred" and len(plan["read_as"]) == len(plan["readings"])
    assert plan["deadlines"]["command_post_upward"]["open"] is False
    assert plan["unmodelled"]["Art. 12"]["why"]


def test_an_unknown_or_removed_rule_is_one_line_and_exit_2(tmp_path: Path) -> None:
    typo = drillsim("plan", "--rule", "ofice_to_leadership")
    assert typo.returncode == 2 and not typo.stdout
    assert typo.stderr.count("\n") == 1 and "Traceback" not in typo.stderr
    assert "unknown deadline rule 'ofice_to_leadership'; did you mean 'office_to_leadership'?" in typo.stderr
    assert "province_written" in typo.stderr
    none = tmp_path / "none.yaml"
    none.write_text("name: none\nplan: builtin\nhorizon: 1d\nread_as: {upward_without_post: none}\n", encoding="utf-8")
    removed = drillsim("plan", str(none), "--rule", "upward_without_post")
    assert removed.returncode == 2
    assert removed.stderr == ("drillsim plan: the rule 'upward_without_post' is not in this scenario: the reading "
                              "upward_without_post=none removes it\n")
    flowchart = drillsim("plan", "--rule", "first_report", "--format", "mermaid")
    assert flowchart.returncode == 2 and "not as a flowchart" in flowchart.stderr
