"""`python -m index.cli eval` as make eval runs it: the last line is the JSON summary."""

import json
import os
import subprocess
import sys

from config import ROOT

KEYS = {"n", "top1", "top3", "fact_at_3", "answer_fact", "decline_accuracy", "decline_or_partial", "false_decline",
        "p50_ms", "p95_ms"}


def run_cli(args, index_settings):
    env = {**os.environ, "XHA_INDEX__DIR": index_settings["index"]["dir"]}
    return subprocess.run([sys.executable, "-m", "index.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_eval_prints_the_summary_as_last_line(index_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "q": "出口企业退税平均要几天", "tasks": [8], "facts": ["3个工作日"], "topic": "taxation"},
        {"id": "b", "q": "存量房带着抵押可以过户吗", "tasks": [9], "facts": ["带押过户"], "topic": "land"},
        {"id": "c", "q": "法院执行到位率目标是多少", "tasks": [1], "facts": ["不存在的事实"], "topic": "x"},
        {"id": "d", "q": "今天股市行情怎么样", "expect": "decline"},
        {"id": "e", "q": "我要投诉窗口态度差", "expect": "complaint"},
    ]
    questions.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    proc = run_cli(["eval", str(questions)], index_settings)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(summary) == KEYS
    assert summary["n"] == 3
    assert summary["top1"] == round(2 / 3, 4) and summary["answer_fact"] == round(2 / 3, 4)
    assert summary["decline_accuracy"] == 1.0 and summary["false_decline"] == 0.0
    assert summary["p95_ms"] >= summary["p50_ms"] > 0


def test_eval_scores_partial_lines_parts_and_topics(index_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "q": "出口企业退税平均要几天", "tasks": [8], "facts": ["3个工作日"], "topic": "taxation"},
        {"id": "p", "q": "企业开办能一天办完吗", "expect": "partial", "tasks": [5], "missing": "时限",
         "topic": "registration"},
        {"id": "m", "q": "营业执照和银行开户能一起办吗？另外刻章收费吗？", "tasks": [5], "facts": ["银行"], "parts": 2,
         "topic": "registration"},
    ]
    questions.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    proc = run_cli(["eval", str(questions), "--by", "topic"], index_settings)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip().splitlines()
    summary = json.loads(out[-1])
    assert summary["n"] == 2 and summary["partial_accuracy"] == 1.0 and summary["parts_accuracy"] == 1.0
    assert summary["false_decline"] == 0.0
    assert any(line.startswith("topic registration: ") for line in out[:-1])


def test_ask_prints_answer_citation_and_scores(index_settings):
    proc = run_cli(["ask", "普惠稳岗贷今年计划放多少"], index_settings)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "30亿元" in out and "来源：《青岛西海岸新区2023年优化营商环境创新突破实施方案》" in out
    assert "explain:" in out and "bm25=" in out and "dense=" in out


def test_broken_faq_is_reported_with_file_and_line(index_settings, tmp_path):
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "bad.yaml").write_text("doc: xha-yshj-2023\nentries:\n  - id: x1\n    tasks: [5]\n", encoding="utf-8")
    env = {**os.environ, "XHA_INDEX__DIR": str(tmp_path / "idx"), "XHA_KNOWLEDGE__FAQ_DIR": str(faq)}
    proc = subprocess.run([sys.executable, "-m", "index.cli", "build"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert f"{faq / 'bad.yaml'}:3 条目「x1」" in proc.stderr and "答案（answer）不能为空" in proc.stderr


def test_latency_embeds_every_question_afresh_and_prints_one_line_per_round(index_settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps({"id": str(i), "q": q}, ensure_ascii=False) for i, q in enumerate(
        ["出口企业退税平均要几天", "存量房带着抵押可以过户吗"])) + "\n", encoding="utf-8")
    proc = run_cli(["latency", str(questions), "--rounds", "2"], index_settings)
    assert proc.returncode == 0, proc.stderr
    rounds = [json.loads(line) for line in proc.stdout.strip().splitlines()[-2:]]
    assert [r["round"] for r in rounds] == [1, 2] and all(r["questions"] == 2 for r in rounds)
    assert all(r["max_ms"] >= r["p95_ms"] >= r["p50_ms"] > 0 for r in rounds)
