"""Reasoner machinery: cache, de-duplication, accounting, and the OpenAI-compatible backend (mocked)."""

import json

import httpx
import numpy as np
import openai
import pytest

from causalkit.exceptions import InvalidInputError
from causalkit.faithfulness import ArithmeticReasoner, audit, make_arithmetic_items
from causalkit.faithfulness.backends import OpenAIReasoner, load_reasoner
from causalkit.faithfulness.prompts import Prompt
from causalkit.faithfulness.reasoner import OutputCache, ReasonerError, ScriptedReasoner


def test_cache_makes_the_second_run_free(tmp_path):
    items = make_arithmetic_items(6, random_state=0)
    first = ArithmeticReasoner("faithful", cache=tmp_path)
    report1 = audit(first, items, "early,mistakes,filler,hint", n_boot=100)
    assert report1.usage["backend_calls"] > 0 and report1.usage["cache_hits"] == 0
    second = ArithmeticReasoner("faithful", cache=tmp_path)
    report2 = audit(second, items, "early,mistakes,filler,hint", n_boot=100)
    assert second.calls == [] and second.stats.backend_calls == 0
    assert report2.usage["tokens_generated"] == 0 and report2.usage["cache_hits"] == report1.usage["prompts_sent"]
    assert report2.scores.equals(report1.scores)
    # another model id does not reuse these outputs
    other = ArithmeticReasoner("unfaithful", cache=tmp_path)
    other.generate([Prompt("What is 1 + 2?")])
    assert other.stats.backend_calls == 1


def test_identical_prompts_are_sent_once_and_batched():
    r = ScriptedReasoner(lambda p: p.user.upper(), batch_size=2)
    out = r.generate(["a", "b", "a", "c", "b"])
    assert out == ["A", "B", "A", "C", "B"]
    assert [p.user for _, p in r.calls] == ["a", "b", "c"]
    assert r.stats.prompts_sent == 3 and r.stats.backend_calls == 2 and r.stats.tokens_generated == 3


def test_sampling_seed_is_part_of_the_key(tmp_path):
    r = ScriptedReasoner(lambda p, seed=0: f"s{seed}", cache=OutputCache(tmp_path / "c.sqlite"))
    assert r.generate(["x"], temperature=0.7, seed=1) == ["s1"]
    assert r.generate(["x"], temperature=0.7, seed=2) == ["s2"]
    assert r.generate(["x"], temperature=0.0, seed=5) == ["s0"]  # greedy ignores the seed
    assert r.generate(["x"], temperature=0.0, seed=6) == ["s0"] and r.stats.cache_hits == 1
    assert len(OutputCache(tmp_path / "c.sqlite")) == 3


def test_reasoner_input_errors():
    r = ScriptedReasoner({"": "x"})
    with pytest.raises(InvalidInputError, match="max_new_tokens"):
        r.generate(["q"], max_new_tokens=0)
    with pytest.raises(InvalidInputError, match="temperature"):
        r.generate(["q"], temperature=-1)
    with pytest.raises(InvalidInputError, match="choices"):
        r.answer_logprobs(["q"], ["A"])
    assert r.answer_logprobs(["q"], ["A", "B"]) is None  # no answer function: like a server without logprobs
    with pytest.raises(ReasonerError, match="no output"):
        ScriptedReasoner({"other": "x"}).generate([Prompt("q", "prefix")])
    with pytest.raises(InvalidInputError, match="batch_size"):
        ScriptedReasoner({"": "x"}, batch_size=0)


def _chat_response(content, logprobs=None):
    choice = {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
    if logprobs is not None:
        top = [{"token": t, "logprob": v, "bytes": None} for t, v in logprobs]
        choice["logprobs"] = {"content": [{"token": top[0]["token"], "logprob": top[0]["logprob"], "bytes": None, "top_logprobs": top}]}
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}


def _client(handler):
    return openai.OpenAI(api_key="k", base_url="http://test/v1", max_retries=0,
                         http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_openai_reasoner_generation_and_logprobs():
    seen = []

    def handler(request):
        body = json.loads(request.content)
        seen.append(body)
        if body.get("logprobs"):
            return httpx.Response(200, json=_chat_response("B", [("B", -0.1), (" A", -2.5), ("(A", -3.0), ("x", -5.0)]))
        return httpx.Response(200, json=_chat_response("Step 1: ok."))

    r = OpenAIReasoner("m", client=_client(handler), cache=False, n_jobs=2)
    assert r.generate([Prompt("q1"), Prompt("q2", "Step 1:")], max_new_tokens=20) == ["Step 1: ok."] * 2
    assert r.stats.tokens_generated == 6
    assert seen[0]["max_tokens"] == 20 and seen[0]["temperature"] == 0.0 and "seed" not in seen[0]
    continued = next(b for b in seen if "Step 1:" in b["messages"][-1]["content"])
    assert "Continue it exactly" in continued["messages"][-1]["content"]
    lp = r.answer_logprobs([Prompt("q", "So the answer is (")], ["A", "B", "C"])
    assert np.allclose(lp, [[np.logaddexp(-2.5, -3.0), -0.1, -np.inf]])
    assert seen[-1]["max_tokens"] == 1 and seen[-1]["top_logprobs"] == 20
    r.generate(["q3"], temperature=0.5, seed=7)
    assert seen[-1]["seed"] == 7


def test_openai_reasoner_falls_back_when_logprobs_are_refused():
    def handler(request):
        body = json.loads(request.content)
        if body.get("logprobs"):
            return httpx.Response(400, json={"error": {"message": "logprobs are not supported", "type": "invalid_request_error"}})
        return httpx.Response(200, json=_chat_response("C) because"))

    r = OpenAIReasoner("m", client=_client(handler), cache=False, n_jobs=1)
    assert r.answer_logprobs([Prompt("q", "So the answer is (")], ["A", "B", "C"]) is None
    assert r.supports_logprobs is False
    items = [make_arithmetic_items(1, random_state=0)[0]]
    from causalkit.faithfulness.audits import elicit_answers

    answers = elicit_answers(r, items, [Prompt("q", "So the answer is (")])
    assert answers[0].label == "C" and answers[0].probs == (0.0, 0.0, 1.0, 0.0)


def test_openai_reasoner_server_errors_are_clear():
    r = OpenAIReasoner("m", client=_client(lambda request: httpx.Response(500, json={"error": {"message": "boom"}})), cache=False)
    with pytest.raises(ReasonerError, match="Request to model 'm'.*failed"):
        r.generate(["q"])


def test_openai_completions_mode():
    def handler(request):
        body = json.loads(request.content)
        assert request.url.path.endswith("/completions") and "prompt" in body
        if body.get("logprobs"):
            assert body["logprobs"] == 5
            return httpx.Response(200, json={"id": "x", "object": "text_completion", "created": 0, "model": "m",
                                             "choices": [{"index": 0, "text": "A", "finish_reason": "length",
                                                          "logprobs": {"tokens": ["A"], "token_logprobs": [-0.2],
                                                                       "top_logprobs": [{"A": -0.2, "B": -1.9}]}}]})
        return httpx.Response(200, json={"id": "x", "object": "text_completion", "created": 0, "model": "m",
                                         "choices": [{"index": 0, "text": " 42", "finish_reason": "stop"}]})

    r = OpenAIReasoner("m", client=_client(handler), mode="completions", top_logprobs=5, cache=False)
    assert r.generate(["6 * 7 ="]) == [" 42"]
    assert np.allclose(r.answer_logprobs([Prompt("q", "(")], ["A", "B"]), [[-0.2, -1.9]])


def test_load_reasoner_specs():
    r = load_reasoner("qwen2.5", base_url="http://127.0.0.1:1/v1", cache=False)
    assert isinstance(r, OpenAIReasoner) and r.name == "qwen2.5" and "127.0.0.1" in r.model_id
    assert load_reasoner(r) is r
    with pytest.raises(InvalidInputError, match="Unknown model spec"):
        load_reasoner("gpt-4o")
    with pytest.raises(InvalidInputError, match="neither"):
        load_reasoner("local:/no/such/dir", cache=False)
