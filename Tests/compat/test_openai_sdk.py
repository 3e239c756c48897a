"""The official openai SDK, pointed at Tollgate with `base_url`, works as against OpenAI."""
import json
import re

import openai
import pytest

COST = re.compile(r"^\d+\.\d{9} USD$")
# The auto route's reason: the classifier's score under the threshold sends it to the cheap model.
AUTO_CHEAP = re.compile(r"auto: auto; score 0\.\d{3} < threshold 0\.\d{3}: cheap")


@pytest.fixture()
def client(demo):
    return openai.OpenAI(base_url=demo.base_url, api_key=demo.key, max_retries=0)


def test_chat_create_answers_with_usage(client):
    completion = client.chat.completions.create(
        model="deepseek-chat", messages=[{"role": "user", "content": "Say hello"}])
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0


def test_raw_response_headers_carry_cost_model_and_route(client):
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "Route me cheaply"}], max_tokens=8)
    assert COST.match(raw.headers["x-tollgate-cost"])
    assert raw.headers["x-tollgate-model"] == "deepseek-chat"
    assert raw.headers["x-tollgate-provider"] == "sim-deepseek"
    assert AUTO_CHEAP.fullmatch(raw.headers["x-tollgate-route"]), raw.headers["x-tollgate-route"]
    assert raw.headers["x-tollgate-attempts"] == "1"
    assert raw.headers["x-tollgate-request-id"].startswith("req_")
    completion = raw.parse()
    assert completion.usage.completion_tokens == 8
    # The cost in the body matches the header.
    assert completion.usage.model_extra["cost_currency"] == "USD"
    assert f"{completion.usage.model_extra['cost']:.9f} USD" == raw.headers["x-tollgate-cost"]


def test_stream_yields_chunks_and_final_usage_with_cost(client):
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Stream please"}],
        max_tokens=6, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 6
    final = chunks[-1]
    assert final.choices == []
    assert final.usage.completion_tokens == 6
    assert final.usage.model_extra["cost"] > 0
    assert final.usage.model_extra["cost_currency"] == "USD"


def test_stream_without_usage_request_has_no_usage_chunk(client):
    stream = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Stream please"}], max_tokens=4, stream=True)
    chunks = list(stream)
    assert chunks
    assert all(c.usage is None for c in chunks)
    assert all(c.choices for c in chunks)


def test_models_lists_demo_models(client):
    ids = [m.id for m in client.models.list()]
    assert ids == ["deepseek-chat", "gpt-4o", "claude-sonnet-4-5", "text-embedding-3-small", "auto", "cascade"]


def test_reasoning_effort_reaches_an_anthropic_model_as_a_thinking_budget(client):
    raw = client.chat.completions.with_raw_response.create(
        model="claude-sonnet-4-5", reasoning_effort="medium", max_tokens=9000,
        messages=[{"role": "user", "content": "Think it through"}])
    assert raw.status_code == 200 and "x-tollgate-dropped" not in raw.headers
    assert raw.parse().choices[0].message.content
    # gpt-4o lists no reasoning capability and drops nothing: refused, naming why.
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="gpt-4o", reasoning_effort="high", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.code == "model_lacks_capability"


def test_bad_key_raises_authentication_error(demo):
    bad = openai.OpenAI(base_url=demo.base_url, api_key="tg-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        bad.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 401
    assert raised.value.code == "invalid_api_key"


def test_unknown_model_raises_not_found(client):
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.code == "model_not_found"


def test_empty_messages_raise_bad_request(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="deepseek-chat", messages=[])
    assert "messages" in str(raised.value)


TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@pytest.mark.parametrize("model", ["gpt-4o", "claude-sonnet-4-5"])
def test_tools_round_trip(client, model):
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "example"}
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "18 degrees and sunny"}]
    second = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content


def test_anthropic_model_through_the_openai_sdk_streams_with_usage(client):
    stream = client.chat.completions.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Hi"}], max_tokens=5,
        stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) == 5
    assert chunks[-1].usage.completion_tokens == 5
    assert chunks[-1].usage.model_extra["cost_currency"] == "USD"


def test_untranslatable_parameter_raises_bad_request_naming_it(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}], logprobs=True)
    assert "logprobs" in str(raised.value)


def test_provider_rate_limit_raises_rate_limit_error_with_retry_after(client, demo):
    # The gateway retries a failing provider once (after its retry-after) before giving up.
    demo.enqueue("sim-openai", {"fail": 429}, {"fail": 429})
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 429
    assert raised.value.response.headers["retry-after"] == "1"


def test_provider_outage_raises_server_error(client, demo):
    demo.enqueue("sim-deepseek", {"fail": 500}, {"fail": 500})
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 502


def test_a_route_falls_back_to_its_next_candidate_when_the_cheapest_fails(client, demo):
    demo.enqueue("sim-deepseek", {"fail": 503}, {"fail": 503})
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": "hi"}])
    completion = raw.parse()
    assert completion.choices[0].message.content
    assert raw.headers["x-tollgate-model"] == "gpt-4o"
    assert raw.headers["x-tollgate-attempts"] == "3"
    route = raw.headers["x-tollgate-route"]
    assert route.startswith("auto: auto; score ") and route.endswith(": cheap; fell back past deepseek-chat (503)"), route


DEMO_PRICES = {"deepseek-chat": ("0.28", "0.42"), "claude-sonnet-4-5": ("3.00", "15.00")}  # per 1M, uncached input


def exact_cost(model, input_tokens, output_tokens):
    """What the demo's list prices make of uncached usage, rounded once, half-even, to nano-dollars."""
    from decimal import ROUND_HALF_EVEN, Decimal
    rate_in, rate_out = (Decimal(rate) for rate in DEMO_PRICES[model])
    cost = (Decimal(input_tokens) * rate_in + Decimal(output_tokens) * rate_out) / Decimal(1_000_000)
    return cost.quantize(Decimal("0.000000001"), rounding=ROUND_HALF_EVEN)


RESPONSES_TOOLS = [{"type": "function", "name": "get_weather", "description": "Current weather in a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


@pytest.mark.parametrize("model", ["deepseek-chat", "claude-sonnet-4-5"])
def test_responses_create_is_metered_and_priced(client, model):
    raw = client.responses.with_raw_response.create(model=model, instructions="Be brief.", input="Say hello",
                                                    max_output_tokens=400)
    assert COST.match(raw.headers["x-tollgate-cost"])
    response = raw.parse()
    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status == "completed"
    assert response.output_text
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.usage.input_tokens_details.cached_tokens == 0
    expected = exact_cost(model, response.usage.input_tokens, response.usage.output_tokens)
    assert raw.headers["x-tollgate-cost"] == f"{expected:f} USD"
    assert response.usage.model_extra["cost"] == pytest.approx(float(expected), abs=1e-12)


@pytest.mark.parametrize("model", ["deepseek-chat", "claude-sonnet-4-5"])
def test_responses_stream_has_the_event_sequence_and_the_cost(client, model):
    with client.responses.stream(model=model, input=[{"role": "user", "content": "Stream"}], max_output_tokens=400) as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert types[:2] == ["response.created", "response.in_progress"]
    assert "response.output_item.added" in types and "response.output_text.delta" in types
    assert types[-1] == "response.completed"
    assert final.output_text and final.status == "completed"
    expected = exact_cost(model, final.usage.input_tokens, final.usage.output_tokens)
    assert final.usage.model_extra["cost"] == pytest.approx(float(expected), abs=1e-12)


@pytest.mark.parametrize("model", ["deepseek-chat", "claude-sonnet-4-5"])
def test_responses_function_tool_round_trip(client, model):
    first = client.responses.create(model=model, input="What is the weather in Paris?", tools=RESPONSES_TOOLS,
                                    max_output_tokens=400)
    call = next(item for item in first.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "example"}
    history = [{"role": "user", "content": "What is the weather in Paris?"},
               {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
               {"type": "function_call_output", "call_id": call.call_id, "output": "18 degrees"}]
    second = client.responses.create(model=model, input=history, tools=RESPONSES_TOOLS, max_output_tokens=400)
    assert second.status == "completed" and second.output_text


def test_responses_refuse_what_a_provider_cannot_do(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="gpt-4o", input="hi", tools=[{"type": "web_search"}])
    assert "tools[0]" in str(raised.value)
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="deepseek-chat", input=[{"role": "robot", "content": "hi"}])
    assert raised.value.body["param"] == "input[0].role"


@pytest.mark.parametrize("model", ["deepseek-chat", "claude-sonnet-4-5"])
def test_responses_previous_response_id_continues_a_stored_conversation(client, model):
    first = client.responses.create(model=model, input="What is the weather in Paris?", tools=RESPONSES_TOOLS,
                                    max_output_tokens=400)
    call = next(item for item in first.output if item.type == "function_call")
    assert client.responses.retrieve(first.id).id == first.id
    second = client.responses.create(
        model=model, previous_response_id=first.id, tools=RESPONSES_TOOLS, max_output_tokens=400,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "18 degrees"}])
    assert second.status == "completed" and second.output_text
    # The whole history is sent and billed again.
    assert second.usage.input_tokens > first.usage.input_tokens
    items = client.responses.input_items.list(second.id, order="asc")
    assert [item.type for item in items.data] == ["message", "function_call", "function_call_output"]
    with client.responses.stream(model=model, previous_response_id=second.id, input="Thanks!",
                                 max_output_tokens=400) as stream:
        for _ in stream:
            pass
        third = stream.get_final_response()
    assert client.responses.retrieve(third.id).output_text == third.output_text
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model=model, previous_response_id=first.id, input="Again")


def test_responses_not_stored_are_not_retrievable(client):
    response = client.responses.create(model="deepseek-chat", input="Forget me", store=False, max_output_tokens=50)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)


def test_an_agents_sdk_agent_with_a_function_tool_runs_through_tollgate(demo):
    agents = pytest.importorskip("agents")
    calls = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        calls.append(city)
        return "18 degrees"

    agents.set_tracing_disabled(True)
    client = openai.AsyncOpenAI(base_url=demo.base_url, api_key=demo.key, max_retries=0)
    agent = agents.Agent(name="weather", instructions="Answer with the weather.", tools=[get_weather],
                         model=agents.OpenAIResponsesModel(model="deepseek-chat", openai_client=client))
    result = agents.Runner.run_sync(agent, "What is the weather in Paris?")
    assert calls == ["example"]
    assert result.final_output


def test_embeddings_are_metered_on_their_input_tokens(client):
    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small",
                                                     input=["The token is the unit.", "Of account."])
    assert COST.match(raw.headers["x-tollgate-cost"])
    result = raw.parse()
    assert [item.index for item in result.data] == [0, 1]
    assert len(result.data[0].embedding) == 8
    assert result.usage.prompt_tokens > 0 and result.usage.total_tokens == result.usage.prompt_tokens
    from decimal import Decimal
    expected = (Decimal(result.usage.prompt_tokens) * Decimal("0.02") / Decimal(1_000_000)).quantize(Decimal("0.000000001"))
    assert raw.headers["x-tollgate-cost"] == f"{expected:f} USD"
    one = client.embeddings.create(model="text-embedding-3-small", input="single")
    assert len(one.data) == 1


def test_a_chat_model_asked_for_embeddings_is_a_bad_request(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.embeddings.create(model="deepseek-chat", input="hi")
    assert raised.value.code == "model_lacks_capability"
    with pytest.raises(openai.BadRequestError) as raised:
        client.embeddings.create(model="text-embedding-3-small", input=[])
    assert raised.value.body["param"] == "input"


def test_the_auto_route_sends_a_hard_problem_to_the_premium_model_and_says_why(client):
    hard = ("A tank holds 1,200 litres. Pipe A fills it in 3 h 20 min and pipe B empties it in 5 h. Both open at 09:15; "
            "at 10:40 pipe A's flow drops by 35%. First find the volume at 10:40, then compute when the tank is full, "
            "and prove that the answer is unique. Show every step and the equations.")
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": hard}], max_tokens=8)
    route = raw.headers["x-tollgate-route"]
    assert re.fullmatch(r"auto: auto; score 0\.\d{3} >= threshold 0\.\d{3}: premium", route), route
    assert raw.headers["x-tollgate-model"] == "gpt-4o"


def test_the_cascade_route_escalates_an_answer_cut_off_by_length_and_bills_both(client):
    raw = client.chat.completions.with_raw_response.create(
        model="cascade", messages=[{"role": "user", "content": "Tell me a long story"}], max_tokens=3)
    route = raw.headers["x-tollgate-route"]
    assert route.startswith("cascade: cascade; escalated past deepseek-chat (cut off by length; billed as req_"), route
    assert raw.headers["x-tollgate-model"] == "gpt-4o"
    completion = raw.parse()
    assert completion.model == "gpt-4o"
    # The client pays for the answer it got here; the cheap attempt is billed on its own record.
    assert f"{completion.usage.model_extra['cost']:.9f} USD" == raw.headers["x-tollgate-cost"]


def test_a_repeated_deterministic_request_is_answered_from_the_cache_plain_and_streamed(client):
    asked = dict(model="deepseek-chat", temperature=0, max_tokens=12,
                 messages=[{"role": "user", "content": "Cache me: what is double-entry bookkeeping?"}],
                 extra_headers={"cache-control": "max-age=300"})
    first = client.chat.completions.with_raw_response.create(**asked)
    assert first.headers["x-tollgate-cache"] == "miss"
    answer = first.parse()
    again = client.chat.completions.with_raw_response.create(**asked)
    assert again.headers["x-tollgate-cache"] == "hit"
    assert again.headers["x-tollgate-attempts"] == "0"
    assert again.headers["x-tollgate-cost"] == "0.000000000 USD"
    hit = again.parse()
    assert hit.choices[0].message.content == answer.choices[0].message.content
    assert hit.usage.completion_tokens == answer.usage.completion_tokens

    streamed = client.chat.completions.with_raw_response.create(**asked, stream=True, stream_options={"include_usage": True})
    assert streamed.headers["x-tollgate-cache"] == "hit"
    chunks = list(streamed.parse())
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == answer.choices[0].message.content
    assert chunks[-1].usage.completion_tokens == answer.usage.completion_tokens
    assert chunks[-1].usage.model_extra["cost"] == 0

    # Not deterministic: not cached.
    warm = client.chat.completions.with_raw_response.create(**{**asked, "temperature": 0.7})
    assert warm.headers["x-tollgate-cache"] == "bypass"
