"""The official anthropic SDK, pointed at Tollgate with `base_url`, works as against Anthropic."""
import re

import anthropic
import pytest

COST = re.compile(r"^\d+\.\d{9} USD$")
TOOLS = [{"name": "get_weather", "description": "Current weather in a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
MODELS = ["claude-sonnet-4-5", "deepseek-chat"]  # native, and translated to an OpenAI-compatible provider


@pytest.fixture()
def client(demo):
    return anthropic.Anthropic(base_url=demo.base_url.removesuffix("/v1"), api_key=demo.key, max_retries=0)


@pytest.mark.parametrize("model", MODELS)
def test_messages_create(client, model):
    raw = client.messages.with_raw_response.create(
        model=model, max_tokens=6, messages=[{"role": "user", "content": "Say hello"}])
    assert COST.match(raw.headers["x-tollgate-cost"])
    assert raw.headers["x-tollgate-model"] == model
    message = raw.parse()
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 6
    assert message.usage.input_tokens > 0


@pytest.mark.parametrize("model", MODELS)
def test_messages_stream(client, model):
    with client.messages.stream(model=model, max_tokens=5, messages=[{"role": "user", "content": "Stream"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert len(text.split()) == 5
    assert final.content[0].text == text
    assert final.usage.output_tokens == 5
    assert final.usage.input_tokens > 0
    assert final.stop_reason == "max_tokens"


@pytest.mark.parametrize("model", MODELS)
def test_tools_round_trip(client, model):
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.messages.create(model=model, max_tokens=200, messages=messages, tools=TOOLS)
    assert first.stop_reason == "tool_use"
    call = next(block for block in first.content if block.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "example"}
    messages += [{"role": "assistant", "content": [block.model_dump() for block in first.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18 degrees"}]}]
    second = client.messages.create(model=model, max_tokens=200, messages=messages, tools=TOOLS)
    assert second.stop_reason == "end_turn"
    assert second.content[0].type == "text"


def test_bad_key_raises_authentication_error(demo):
    bad = anthropic.Anthropic(base_url=demo.base_url.removesuffix("/v1"), api_key="tg-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        bad.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 401
    assert raised.value.body["error"]["type"] == "authentication_error"


def test_unknown_model_raises_not_found(client):
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="claude-9", max_tokens=5, messages=[{"role": "user", "content": "hi"}])


def test_untranslatable_parameter_raises_bad_request_unless_the_model_drops_it(client):
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model="gpt-4o", max_tokens=5, top_k=3, messages=[{"role": "user", "content": "hi"}])
    assert "top_k" in str(raised.value)
    # The demo's deepseek-chat says unsupported_parameters: drop.
    dropped = client.messages.with_raw_response.create(
        model="deepseek-chat", max_tokens=5, top_k=3, messages=[{"role": "user", "content": "hi"}])
    assert dropped.headers["x-tollgate-dropped"] == "top_k"


@pytest.mark.parametrize("model", MODELS)
def test_count_tokens(client, model):
    short = client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "Hi"}])
    longer = client.messages.count_tokens(
        model=model, system="You are terse.", tools=TOOLS,
        messages=[{"role": "user", "content": "What is the weather in Paris and in Lyon today?"}])
    assert 0 < short.input_tokens < longer.input_tokens


@pytest.mark.parametrize("model,provider", [("claude-sonnet-4-5", "sim-anthropic"), ("deepseek-chat", "sim-deepseek")])
def test_provider_rate_limit_raises_rate_limit_error(client, demo, model, provider):
    demo.enqueue(provider, {"fail": 429}, {"fail": 429})
    with pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(model=model, max_tokens=5, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.body["error"]["type"] == "rate_limit_error"


def test_stream_cut_by_provider_raises_in_the_sdk(client, demo):
    demo.enqueue("sim-anthropic", {"cut_after": 2})
    with pytest.raises(anthropic.APIError):
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=20,
                                    messages=[{"role": "user", "content": "Stream"}]) as stream:
            "".join(stream.text_stream)


def test_thinking_reaches_a_native_provider_and_is_dropped_by_a_model_that_cannot_reason(client):
    thinking = {"type": "enabled", "budget_tokens": 2048}
    beta = {"anthropic-beta": "interleaved-thinking-2025-05-14"}  # as Claude Code sends it
    native = client.messages.with_raw_response.create(
        model="claude-sonnet-4-5", max_tokens=4096, thinking=thinking, messages=[{"role": "user", "content": "Think"}],
        extra_headers=beta)
    assert native.status_code == 200 and "x-tollgate-dropped" not in native.headers
    cheap = client.messages.with_raw_response.create(
        model="deepseek-chat", max_tokens=4096, thinking=thinking, messages=[{"role": "user", "content": "Think"}],
        extra_headers=beta)
    assert cheap.headers["x-tollgate-dropped"] == "thinking"
    assert cheap.parse().content[0].text


def test_models_list_in_anthropics_format(client):
    models = list(client.models.list())
    assert [model.id for model in models] == ["deepseek-chat", "gpt-4o", "claude-sonnet-4-5", "text-embedding-3-small", "auto", "cascade"]
    assert all(model.type == "model" and model.display_name for model in models)
    page = client.models.list(limit=2)
    assert [model.id for model in page.data] == ["deepseek-chat", "gpt-4o"] and page.has_more
    assert client.models.retrieve("claude-sonnet-4-5").id == "claude-sonnet-4-5"
    with pytest.raises(anthropic.NotFoundError):
        client.models.retrieve("claude-9")
