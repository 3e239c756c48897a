#!/usr/bin/env python3
"""Builds the OpenAPI 3.0.3 document of every route Tollgate serves: docs/openapi.json, and the
same document compact in Sources/Gateway/Server/OpenAPIDocument+JSON.swift, which the gateway
serves at GET /openapi.json and reads to answer a wrong method with 405 and `Allow`.

Written from the code (Sources/Gateway, Sources/Providers) and checked against a live gateway
with schemathesis (run-schemathesis.sh, in the test command). Run: python3 scripts/openapi/build_openapi.py
"""
import json
import os

REF = lambda name: {"$ref": f"#/components/schemas/{name}"}
INT64_MIN, INT64_MAX = -9223372036854775808, 9223372036854775807
MAX_OUTPUT = 16777216

JSON = "application/json"
SSE = "text/event-stream"
HTML = "text/html"

schemas = {}
paths = {}


def S(name, schema):
    schemas[name] = schema
    return REF(name)


def nullable(schema):
    """A field the gateway treats as absent when it is null (its validation skips null). OpenAPI 3.0.3: an enum
    allows null only when it lists it."""
    out = {**schema, "nullable": True}
    if "enum" in out and None not in out["enum"]:
        out["enum"] = out["enum"] + [None]
    return out


# ---------------------------------------------------------------- errors

S("OpenAIError", {
    "type": "object",
    "description": "OpenAI's error shape, used everywhere but /v1/messages*. `code` names the precise refusal "
                   "(model_not_found, insufficient_funds, rate_limit_exceeded, upstream_timeout, …).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string", "description": "invalid_request_error, authentication_error, permission_error, "
                                                          "insufficient_quota, rate_limit_error, upstream_error, "
                                                          "service_unavailable, timeout, server_error"},
                "param": {"type": "string", "nullable": True},
                "code": {"type": "string", "nullable": True},
            },
        }
    },
})
S("AnthropicError", {
    "type": "object",
    "description": "Anthropic's error shape, used on /v1/messages and /v1/messages/count_tokens (and any unknown path under "
                   "/v1/messages).",
    "required": ["type", "error"],
    "properties": {
        "type": {"type": "string", "enum": ["error"]},
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string", "enum": ["invalid_request_error", "authentication_error", "billing_error",
                                                    "permission_error", "not_found_error", "request_too_large",
                                                    "rate_limit_error", "overloaded_error", "timeout_error", "api_error"]},
                "message": {"type": "string"},
            },
        },
    },
})

RETRY_AFTER = {"description": "Whole seconds to wait before retrying.", "schema": {"type": "string", "pattern": "^[0-9]+$"}}

ERROR_TEXT = {
    400: "Malformed request: a field the format defines is wrong (named in `param`), the body is not a JSON object, "
         "a Tollgate header is malformed, or no candidate can take it (context_length_exceeded, model_lacks_capability, "
         "request_exceeds_rate_limit, over_price_cap), or the provider rejected it (upstream_rejected_request).",
    401: "Missing, unknown or revoked key.",
    402: "Prepaid funds or a hard budget cannot cover the request's worst case (insufficient_funds, budget_exceeded).",
    403: "The key may not use the model, or not in its allowed regions, or the currency does not match.",
    404: "Unknown model or route (model_not_found), or an unknown `previous_response_id`.",
    409: "A request with the same `idempotency-key` is still running (idempotency_in_progress).",
    413: "The body is larger than the server's limit (request_too_large); refused before it is read whole.",
    422: "The `idempotency-key` was used with a different body (idempotency_key_reused).",
    429: "Rate limit of the key or team, a runaway session, or the provider's rate limit.",
    500: "Internal error.",
    502: "The provider failed, was unreachable or answered something malformed.",
    503: "The provider is unavailable or overloaded, no candidate is healthy, the model cannot be priced, or the "
         "gateway's database cannot be reached (storage_unavailable).",
    504: "The provider did not answer in time.",
}


def err(status, shape="OpenAIError", text=None, proxied=False):
    headers = {}
    if status == 429 or (status == 409 and proxied):
        headers["retry-after"] = {**RETRY_AFTER, "required": True}
    elif status == 503:
        headers["retry-after"] = RETRY_AFTER
    if shape == "either":
        schema = {"anyOf": [REF("OpenAIError"), REF("AnthropicError")]}
    else:
        schema = REF(shape)
    out = {"description": text or ERROR_TEXT[status], "content": {JSON: {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def errors(statuses, shape="OpenAIError", texts=None, proxied=False):
    texts = texts or {}
    return {str(s): err(s, shape, texts.get(s), proxied) for s in statuses}


# ---------------------------------------------------------------- proxied responses' headers

PROXY_HEADERS = {
    "x-tollgate-request-id": {"description": "The gateway's id of the request (`req_…`).", "required": True,
                              "schema": {"type": "string", "pattern": "^req_"}},
    "x-tollgate-model": {"description": "The model that answered.", "schema": {"type": "string"}},
    "x-tollgate-provider": {"description": "Its provider.", "schema": {"type": "string"}},
    "x-tollgate-route": {"description": "Why this model: policy, candidates skipped and why, fallbacks.", "schema": {"type": "string"}},
    "x-tollgate-attempts": {"description": "Upstream calls made.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "x-tollgate-cache": {"description": "What the response cache did.", "schema": {"type": "string", "enum": ["hit", "miss", "bypass"]}},
    "x-tollgate-cost": {"description": "What the request cost, when not streamed: `0.000123400 USD`.",
                        "schema": {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{9} [A-Z]{3}$"}},
    "x-tollgate-package-tokens": {"description": "Tokens a token package paid.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
    "x-tollgate-idempotent-replay": {"description": "The first answer to this idempotency key, replayed.",
                                     "schema": {"type": "string", "enum": ["true"]}},
    "x-tollgate-dropped": {"description": "Parameters dropped by an `unsupported_parameters: drop` setting.", "schema": {"type": "string"}},
}

# ---------------------------------------------------------------- request headers a client may send

HEADER_PARAMS = {
    "Session": {"name": "x-tollgate-session", "in": "header", "required": False,
                "description": "An agent session id: 1 to 128 letters, digits or `._:-` (400 otherwise).",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}},
    "EndUser": {"name": "x-tollgate-user", "in": "header", "required": False,
                "description": "The end user the request is for; at most 256 bytes (400 otherwise).",
                "schema": {"type": "string"}},
    "Tags": {"name": "x-tollgate-tags", "in": "header", "required": False,
             "description": "Comma-separated tags for the record: at most 16 of at most 64 bytes each (400 otherwise).",
             "schema": {"type": "string"}},
    "IdempotencyKey": {"name": "idempotency-key", "in": "header", "required": False,
                       "description": "1 to 255 printable ASCII characters (400 otherwise). A retry with the same key and body "
                                      "gets the first answer again; with another body 422; while the first runs 409.",
                       "schema": {"type": "string", "pattern": "^[\\x21-\\x7E]{1,255}$"}},
    "CacheControl": {"name": "cache-control", "in": "header", "required": False,
                     "description": "Asks for the response cache: `max-age=SECONDS` (a whole number, 400 otherwise), "
                                    "`no-cache` or `no-store`.",
                     "schema": {"type": "string"}},
    "AnthropicVersion": {"name": "anthropic-version", "in": "header", "required": False,
                         "description": "Forwarded to Anthropic-style providers (default 2023-06-01). On /v1/models it selects "
                                        "Anthropic's list format and error shape.",
                         "schema": {"type": "string"}},
    "AnthropicBeta": {"name": "anthropic-beta", "in": "header", "required": False,
                      "description": "Forwarded to Anthropic-style providers.", "schema": {"type": "string"}},
}
PROXY_PARAMS = [{"$ref": f"#/components/parameters/{n}"} for n in ("Session", "EndUser", "Tags", "IdempotencyKey", "CacheControl")]
ANTHROPIC_PARAMS = [{"$ref": f"#/components/parameters/{n}"} for n in ("AnthropicVersion", "AnthropicBeta")]

CLIENT_SECURITY = [{"ClientKey": []}, {"ClientApiKey": []}]
ADMIN_SECURITY = [{"AdminToken": []}]

# ---------------------------------------------------------------- shared LLM pieces

USAGE_COST = {
    "cost": {"type": "number", "description": "What the request cost the organization, in `cost_currency` units (approximate; "
                                              "`x-tollgate-cost` is exact)."},
    "cost_currency": {"type": "string"},
}
OPENAI_TOOL_CHOICE = nullable({
    "description": "'none', 'auto', 'required' or an object with a `type`.",
    "oneOf": [{"type": "string", "enum": ["none", "auto", "required"]},
              {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}],
})
EFFORT = ["none", "minimal", "low", "medium", "high", "xhigh"]
TYPED_PART = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}

# ---- Chat Completions

S("ChatMessage", {
    "type": "object",
    "description": "A message. `content` is required for every role but `assistant`; a `tool` message needs a string "
                   "`tool_call_id`.",
    "required": ["role"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "developer", "user", "assistant", "tool", "function"]},
        "content": nullable({"oneOf": [{"type": "string"}, {"type": "array", "items": TYPED_PART}]}),
        "name": {"type": "string"},
        "tool_call_id": {"description": "Required (a string) for role `tool`."},
        "tool_calls": nullable({"type": "array", "items": {
            "type": "object", "required": ["function"],
            "properties": {"function": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}),
    },
})
S("ChatCompletionRequest", {
    "type": "object",
    "description": "OpenAI Chat Completions. Every field below is checked at admission (null means unset); other fields are "
                   "forwarded as sent (or translated, or refused with 400 when the provider's format has no equivalent).",
    "required": ["model", "messages"],
    "additionalProperties": True,
    "properties": {
        "model": {"type": "string", "minLength": 1, "description": "A model or route name (GET /v1/models)."},
        "messages": {"type": "array", "minItems": 1, "items": REF("ChatMessage")},
        "max_tokens": nullable({"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT}),
        "max_completion_tokens": nullable({"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT}),
        "n": nullable({"type": "integer", "minimum": 1, "maximum": 128}),
        "temperature": nullable({"type": "number", "minimum": 0, "maximum": 2}),
        "top_p": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "presence_penalty": nullable({"type": "number", "minimum": -2, "maximum": 2}),
        "frequency_penalty": nullable({"type": "number", "minimum": -2, "maximum": 2}),
        "stream": nullable({"type": "boolean", "description": "true: the answer is a text/event-stream of chunks."}),
        "stream_options": nullable({"type": "object", "properties": {"include_usage": nullable({"type": "boolean"})}}),
        "logprobs": nullable({"type": "boolean"}),
        "top_logprobs": nullable({"type": "integer", "minimum": 0, "maximum": 20}),
        "parallel_tool_calls": nullable({"type": "boolean"}),
        "seed": nullable({"type": "integer", "format": "int64", "minimum": INT64_MIN, "maximum": INT64_MAX}),
        "user": nullable({"type": "string"}),
        "metadata": nullable({"type": "object"}),
        "logit_bias": nullable({"type": "object"}),
        "stop": nullable({"oneOf": [{"type": "string"}, {"type": "array", "maxItems": 4, "items": {"type": "string"}}]}),
        "tools": nullable({"type": "array", "items": {
            "type": "object", "required": ["type", "function"],
            "properties": {"type": {"type": "string", "enum": ["function"]},
                           "function": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}}),
        "tool_choice": OPENAI_TOOL_CHOICE,
        "response_format": nullable({"type": "object", "required": ["type"],
                                     "properties": {"type": {"type": "string", "enum": ["text", "json_object", "json_schema"]}}}),
        "reasoning_effort": nullable({"type": "string", "enum": EFFORT}),
    },
})
S("ChatCompletion", {
    "type": "object",
    "description": "The provider's answer as sent (same format), or Tollgate's translation; `usage` gains `cost` and "
                   "`cost_currency`.",
    "required": ["choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string"},
        "created": {"type": "integer"},
        "model": {"type": "string"},
        "choices": {"type": "array", "items": {"type": "object"}},
        "usage": {"type": "object", "properties": {
            "prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
            **USAGE_COST}},
    },
})

# ---- Anthropic Messages

ANTHROPIC_MESSAGE = {
    "type": "object", "required": ["role", "content"],
    "properties": {"role": {"type": "string", "enum": ["user", "assistant"]},
                   "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": TYPED_PART}]}},
}
S("MessagesRequest", {
    "type": "object",
    "description": "Anthropic Messages. Every field below is checked at admission (null means unset); others are forwarded "
                   "as sent, or translated, or refused with 400 when the provider's format has no equivalent.",
    "required": ["model", "messages", "max_tokens"],
    "additionalProperties": True,
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "messages": {"type": "array", "minItems": 1, "items": ANTHROPIC_MESSAGE},
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT},
        "system": nullable({"oneOf": [{"type": "string"}, {"type": "array", "items": TYPED_PART}]}),
        "temperature": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "top_p": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "top_k": nullable({"type": "integer", "minimum": 0, "maximum": 2147483647}),
        "stream": nullable({"type": "boolean", "description": "true: the answer is Anthropic's event stream."}),
        "metadata": nullable({"type": "object"}),
        "stop_sequences": nullable({"type": "array", "items": {"type": "string"}}),
        "tools": nullable({"type": "array", "items": {"type": "object", "required": ["name"],
                                                      "properties": {"name": {"type": "string"}}}}),
        "tool_choice": nullable({"type": "object", "required": ["type"],
                                 "properties": {"type": {"type": "string", "enum": ["auto", "any", "tool", "none"]}}}),
        "thinking": nullable({"oneOf": [
            {"type": "object", "required": ["type", "budget_tokens"],
             "properties": {"type": {"type": "string", "enum": ["enabled"]},
                            "budget_tokens": {"type": "integer", "minimum": 1024, "maximum": MAX_OUTPUT}}},
            {"type": "object", "required": ["type"],
             "properties": {"type": {"type": "string", "enum": ["disabled", "adaptive"]}}}]}),
    },
})
S("Message", {
    "type": "object",
    "description": "The provider's answer as sent (same format), or Tollgate's translation; `usage` gains `cost` and "
                   "`cost_currency`.",
    "required": ["content"],
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "role": {"type": "string"},
        "model": {"type": "string"},
        "content": {"type": "array", "items": {"type": "object"}},
        "stop_reason": {"type": "string", "nullable": True},
        "usage": {"type": "object", "properties": {
            "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}, **USAGE_COST}},
    },
})
S("CountTokensRequest", {
    "type": "object",
    "description": "A Messages request to count (`max_tokens` not needed).",
    "required": ["model", "messages"],
    "additionalProperties": True,
    "properties": {"model": {"type": "string", "minLength": 1}, "messages": {"type": "array", "items": {}}},
})
S("CountTokensResponse", {"type": "object", "required": ["input_tokens"],
                          "properties": {"input_tokens": {"type": "integer", "minimum": 0}}})

# ---- Responses

S("ResponsesRequest", {
    "type": "object",
    "description": "OpenAI Responses. Every field below is checked at admission (null means unset); others are forwarded as "
                   "sent to `openai_responses` providers, translated for others or refused with 400 (hosted tools, "
                   "`include`, `background`, …).",
    "required": ["model", "input"],
    "additionalProperties": True,
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "input": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"anyOf": [
            {"type": "object", "description": "A message (`type` message or absent).", "required": ["role", "content"],
             "properties": {"role": {"type": "string", "enum": ["user", "assistant", "system", "developer"]},
                            "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": TYPED_PART}]}}},
            {"type": "object", "required": ["type", "call_id", "name", "arguments"],
             "properties": {"type": {"type": "string", "enum": ["function_call"]}, "call_id": {"type": "string"},
                            "name": {"type": "string"}, "arguments": {"type": "string"}}},
            {"type": "object", "required": ["type", "call_id", "output"],
             "properties": {"type": {"type": "string", "enum": ["function_call_output"]}, "call_id": {"type": "string"},
                            "output": {}}},
            {"type": "object", "required": ["type"],
             "properties": {"type": {"type": "string", "enum": ["reasoning", "item_reference"]}}},
        ]}}]},
        "max_output_tokens": nullable({"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT}),
        "temperature": nullable({"type": "number", "minimum": 0, "maximum": 2}),
        "top_p": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "stream": nullable({"type": "boolean", "description": "true: the answer is the Responses event stream."}),
        "store": nullable({"type": "boolean", "description": "false: the answer is not kept (default true)."}),
        "parallel_tool_calls": nullable({"type": "boolean"}),
        "instructions": nullable({"type": "string"}),
        "previous_response_id": nullable({"type": "string", "description": "A kept response of this organization (404 "
                                                                           "previous_response_not_found otherwise)."}),
        "user": nullable({"type": "string"}),
        "metadata": nullable({"type": "object"}),
        "tools": nullable({"type": "array", "items": {"anyOf": [
            {"type": "object", "required": ["type", "name"],
             "properties": {"type": {"type": "string"}, "name": {"type": "string"}}},
            {"type": "object", "required": ["type"],
             "properties": {"type": {"type": "string", "not": {"enum": ["function"]}}}}]}}),
        "tool_choice": OPENAI_TOOL_CHOICE,
        "reasoning": nullable({"type": "object", "properties": {"effort": nullable({"type": "string", "enum": EFFORT})}}),
        "text": {"description": "When an object, its `format` (if not null) must be an object whose `type` is text, "
                                "json_object or json_schema.",
                 "properties": {"format": nullable({"type": "object", "required": ["type"], "properties": {
                     "type": {"type": "string", "enum": ["text", "json_object", "json_schema"]}}})}},
    },
})
S("Response", {
    "type": "object",
    "description": "A response object (`resp_…`), as answered or as kept.",
    "required": ["id", "output"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["response"]},
        "created_at": {"type": "integer"},
        "status": {"type": "string"},
        "model": {"type": "string"},
        "output": {"type": "array", "items": {"type": "object"}},
        "usage": {"type": "object", "nullable": True, "properties": {
            "input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"},
            **USAGE_COST}},
    },
})
S("ResponseDeleted", {"type": "object", "required": ["id", "object", "deleted"],
                      "properties": {"id": {"type": "string"}, "object": {"type": "string", "enum": ["response.deleted"]},
                                     "deleted": {"type": "boolean", "enum": [True]}}})
S("InputItemList", {"type": "object", "required": ["object", "data", "first_id", "last_id", "has_more"],
                    "properties": {"object": {"type": "string", "enum": ["list"]},
                                   "data": {"type": "array", "items": {"type": "object", "required": ["id", "type"],
                                                                       "properties": {"id": {"type": "string"},
                                                                                      "type": {"type": "string"}}}},
                                   "first_id": {"type": "string", "nullable": True},
                                   "last_id": {"type": "string", "nullable": True},
                                   "has_more": {"type": "boolean"}}})

# ---- Embeddings

NONNEG_INT = {"type": "integer", "minimum": 0}
S("EmbeddingsRequest", {
    "type": "object",
    "description": "OpenAI embeddings; only models whose capabilities list `embeddings` serve it. Not streamed (`stream` "
                   "present and not null is 400).",
    "required": ["model", "input"],
    "additionalProperties": True,
    "properties": {
        "model": {"type": "string", "minLength": 1},
        "input": {"oneOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "minItems": 1, "maxItems": 2048, "items": {"type": "string", "minLength": 1}},
            {"type": "array", "minItems": 1, "maxItems": 2048, "items": NONNEG_INT},
            {"type": "array", "minItems": 1, "maxItems": 2048, "items": {"type": "array", "minItems": 1, "items": NONNEG_INT}},
        ]},
        "encoding_format": nullable({"type": "string", "enum": ["float", "base64"]}),
        "dimensions": nullable({"type": "integer", "minimum": 1, "maximum": 65536}),
        "user": nullable({"type": "string"}),
    },
})
S("Embeddings", {"type": "object", "description": "The provider's answer as sent; `usage` gains `cost` and `cost_currency`.",
                 "required": ["data"],
                 "properties": {"object": {"type": "string"}, "data": {"type": "array", "items": {"type": "object"}},
                                "model": {"type": "string"},
                                "usage": {"type": "object", "properties": {"prompt_tokens": {"type": "integer"},
                                                                           "total_tokens": {"type": "integer"}, **USAGE_COST}}}})

# ---- Models

S("OpenAIModel", {"type": "object", "required": ["id", "object", "created", "owned_by"],
                  "properties": {"id": {"type": "string"}, "object": {"type": "string", "enum": ["model"]},
                                 "created": {"type": "integer"},
                                 "owned_by": {"type": "string", "description": "The provider, or `tollgate` for a route."}}})
S("OpenAIModelList", {"type": "object", "required": ["object", "data"],
                      "properties": {"object": {"type": "string", "enum": ["list"]},
                                     "data": {"type": "array", "items": REF("OpenAIModel")}}})
S("AnthropicModel", {"type": "object", "required": ["type", "id", "display_name", "created_at"],
                     "properties": {"type": {"type": "string", "enum": ["model"]}, "id": {"type": "string"},
                                    "display_name": {"type": "string"}, "created_at": {"type": "string"}}})
S("AnthropicModelList", {"type": "object", "required": ["data", "has_more", "first_id", "last_id"],
                         "properties": {"data": {"type": "array", "items": REF("AnthropicModel")},
                                        "has_more": {"type": "boolean"},
                                        "first_id": {"type": "string", "nullable": True},
                                        "last_id": {"type": "string", "nullable": True}}})

# ---------------------------------------------------------------- admin shapes

MONEY_TEXT = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{9}$", "description": "A decimal with nine fractional digits."}
TIME = {"type": "string", "format": "date-time"}
S("Money", {"type": "object", "required": ["amount", "nanos", "currency"],
            "properties": {"amount": MONEY_TEXT, "nanos": {"type": "integer", "format": "int64"}, "currency": {"type": "string"}}})
REGIONS_IN = nullable({
    "description": "Provider regions: `\"eu,us\"` or `[\"eu\", \"us\"]`, each 1–32 lowercase letters, digits or `-`.",
    "oneOf": [{"type": "string", "pattern": "^,*\\s*[a-z0-9-]{1,32}\\s*(,+\\s*[a-z0-9-]{1,32}\\s*)*,*$"},
              {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[a-z0-9-]{1,32}$"}}]})
S("Organization", {"type": "object", "required": ["id", "name", "currency", "markup_bp"],
                   "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "currency": {"type": "string"},
                                  "markup_bp": {"type": "integer", "description": "Markup in basis points (2000 = 20%)."},
                                  "price_list": {"type": "string"},
                                  "regions": {"type": "array", "items": {"type": "string"}}}})
CURRENCY_IN = {"type": "string", "description": "USD, EUR, CNY or JPY (any case).",
               "pattern": "^([Uu][Ss][Dd]|[Ee][Uu][Rr]|[Cc][Nn][Yy]|[Jj][Pp][Yy])$"}
S("OrganizationCreate", {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "minLength": 1, "description": "Unique (409 otherwise)."},
    "currency": {**CURRENCY_IN, "default": "USD"},
    "markup_percent": {"description": "A percentage with at most two decimals, ≥ -100: \"20\", \"12.5\" or 20.",
                       "oneOf": [{"type": "string"}, {"type": "number"}]},
    "price_list": {"type": "string", "description": "A configured price list (400 otherwise)."},
    "regions": REGIONS_IN}})
DATE_IN = {"type": "string", "description": "A date (2026-12-31, its start in UTC) or an ISO 8601 instant."}
RATE_IN = {"type": "integer", "minimum": 1, "maximum": 1000000000000}
DECIMAL_IN = {"oneOf": [{"type": "string"}, {"type": "number"}]}
S("CreditCreate", {"type": "object", "required": ["amount"], "properties": {
    "amount": {"description": "A positive decimal in the organization's currency, at most 9 fractional digits.",
               "oneOf": [{"type": "string"}, {"type": "number"}]},
    "kind": {"type": "string", "enum": ["granted", "paid"], "default": "granted"},
    "team": {"type": "string", "description": "Credit for a team (not with `key`)."},
    "key": {"type": "string", "description": "Credit for a key of this organization (not with `team`)."},
    "expires_at": {**DATE_IN, "description": DATE_IN["description"] + " In the future."},
    "note": {"type": "string"}}})
S("Team", {"type": "object", "required": ["org_id", "name"],
           "properties": {"org_id": {"type": "string"}, "name": {"type": "string"},
                          "rpm": {"type": "integer"}, "tpm": {"type": "integer"}}})
S("TeamCreate", {"type": "object", "required": ["name"], "properties": {
    "name": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "rpm": {**RATE_IN, "description": "Requests per minute across the team's keys; absent removes the limit."},
    "tpm": {**RATE_IN, "description": "Tokens per minute; absent removes the limit."}}})
S("Fund", {"type": "object", "required": ["account", "unit", "available", "priority", "model", "expires_at"],
           "properties": {"account": {"type": "string"}, "unit": {"type": "string", "description": "A currency or `tokens`."},
                          "available": {"type": "integer", "format": "int64", "description": "Nano-units or tokens."},
                          "priority": {"type": "integer"}, "model": {"type": "string", "nullable": True},
                          "expires_at": {"type": "integer", "format": "int64", "nullable": True,
                                         "description": "Milliseconds since the epoch."}}})
S("VirtualKey", {"type": "object", "required": ["id", "org_id", "hint", "created_at"], "properties": {
    "id": {"type": "string"}, "org_id": {"type": "string"}, "name": {"type": "string"}, "team": {"type": "string"},
    "hint": {"type": "string"}, "allowed_models": {"type": "array", "items": {"type": "string"}},
    "rpm": {"type": "integer"}, "tpm": {"type": "integer"}, "max_concurrent": {"type": "integer"}, "created_at": TIME, "revoked_at": TIME,
    "regions": {"type": "array", "items": {"type": "string"}}, "cache_ttl_seconds": {"type": "integer"}}})
S("Budget", {"type": "object", "required": ["id", "org_id", "scope", "subject", "amount", "period", "hard", "thresholds",
                                            "created_at"], "properties": {
    "id": {"type": "string"}, "org_id": {"type": "string"},
    "scope": {"type": "string", "enum": ["organization", "team", "key", "session"]}, "subject": {"type": "string"},
    "amount": REF("Money"), "period": {"type": "string", "enum": ["day", "week", "month", "total"]}, "hard": {"type": "boolean"},
    "thresholds": {"type": "array", "items": {"type": "integer"}}, "webhook_url": {"type": "string"}, "created_at": TIME,
    "spent": REF("Money")}})
S("KeyCreate", {"type": "object", "properties": {
    "name": {"type": "string"},
    "team": {"type": "string", "minLength": 1, "pattern": "^[^/]+$", "description": "Made if it does not exist."},
    "models": {"type": "array", "items": {"type": "string"}, "description": "The models and routes it may use; absent: all."},
    "regions": REGIONS_IN,
    "rpm": RATE_IN, "tpm": RATE_IN,
    "max_concurrent": {"type": "integer", "minimum": 1, "maximum": 1000000,
                       "description": "Requests in flight at once per gateway process; more are 429 concurrency_limit_exceeded."},
    "budget": {**DECIMAL_IN, "description": "A hard budget for the key: a positive decimal."},
    "period": {"type": "string", "enum": ["day", "week", "month", "total"], "default": "month",
               "description": "The budget's period; only with `budget` (400 alone)."},
    "cache_ttl_seconds": nullable({"type": "integer", "minimum": 1, "maximum": 2592000})}})
S("KeyCreated", {"allOf": [REF("VirtualKey"), {"type": "object", "required": ["key"], "properties": {
    "key": {"type": "string", "pattern": "^tg-", "description": "The secret, shown only here."},
    "budget": REF("Budget")}}]})
S("KeyRotate", {"description": "Optional; a body that is not an object counts as `{}`.", "properties": {
    "grace_seconds": {"type": "integer", "minimum": 0, "maximum": 2592000, "default": 86400,
                      "description": "How long the old secret keeps working."}}})
S("KeyRotated", {"allOf": [REF("VirtualKey"), {"type": "object", "required": ["key", "previous_valid_until"], "properties": {
    "key": {"type": "string", "pattern": "^tg-"}, "previous_valid_until": TIME}}]})
S("KeyRevoked", {"type": "object", "required": ["id", "revoked"],
                 "properties": {"id": {"type": "string"}, "revoked": {"type": "boolean", "enum": [True]}}})
S("ProviderEntry", {"type": "object", "required": ["name", "kind", "base_url", "key_source"], "properties": {
    "name": {"type": "string"}, "kind": {"type": "string", "enum": ["openai", "anthropic", "openai_responses"]},
    "base_url": {"type": "string"}, "region": {"type": "string"},
    "key_source": {"type": "string", "enum": ["managed", "config", "none", "unreadable"],
                   "description": "managed: set through this API (sealed in the database, in use); config: the configuration's key; "
                                  "unreadable: sealed under another master key (the configured key is used meanwhile)."},
    "key_hint": {"type": "string", "description": "The managed key's last four characters; the key itself is never returned."},
    "updated_at": TIME}})
S("ProviderKeySet", {"type": "object", "required": ["api_key"], "properties": {
    "api_key": {"type": "string", "minLength": 1, "maxLength": 4096, "pattern": "^[\\x21-\\x7E]+$",
                "description": "The provider's API key: printable ASCII, no spaces."}}})
S("TokenPackage", {"type": "object", "required": ["id", "org_id", "owner", "model", "tokens", "price", "created_at"], "properties": {
    "id": {"type": "string"}, "org_id": {"type": "string"}, "owner": {"type": "string"}, "model": {"type": "string"},
    "tokens": {"type": "integer", "format": "int64"}, "price": REF("Money"), "expires_at": TIME, "created_at": TIME,
    "remaining": {"type": "integer", "format": "int64"}}})
S("PackageCreate", {"type": "object", "required": ["model", "tokens"], "properties": {
    "model": {"type": "string"},
    "tokens": {"description": "A positive count: 1000000, \"1000000\", \"500k\" or \"10M\".",
               "oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^\\+?[0-9]+[kM]?$"}]},
    "price": {**DECIMAL_IN, "description": "What was paid: a decimal ≥ 0 (default 0)."},
    "team": {"type": "string"}, "key": {"type": "string"}, "expires_at": DATE_IN}})
S("BudgetCreate", {"type": "object", "required": ["amount"], "properties": {
    "scope": {"type": "string", "enum": ["organization", "team", "key", "session"], "default": "organization"},
    "subject": {"type": "string", "description": "The team or key; for a session budget a key id or `*` (default)."},
    "amount": {**DECIMAL_IN, "description": "A positive decimal."},
    "period": {"type": "string", "enum": ["day", "week", "month", "total"], "default": "month"},
    "hard": {"type": "boolean", "default": True},
    "thresholds": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1, "maximum": 1000},
                   "default": [50, 80, 100]},
    "webhook_url": {"type": "string", "description": "An http(s) URL for alerts."}}})
S("BudgetDeleted", {"type": "object", "required": ["id", "deleted"],
                    "properties": {"id": {"type": "string"}, "deleted": {"type": "boolean", "enum": [True]}}})
S("TokenUsage", {"type": "object", "required": ["input", "cached_input", "cache_write", "output", "reasoning"],
                 "properties": {k: {"type": "integer"} for k in ("input", "cached_input", "cache_write", "output", "reasoning")}})
S("RequestRecord", {"type": "object", "required": ["id", "tags", "status", "streamed", "usage", "package_tokens", "reserved",
                                                   "usage_source", "latency_ms", "created_at", "attempts", "saved_tokens",
                                                   "prompt_size"], "properties": {
    "id": {"type": "string"}, "key_id": {"type": "string"}, "org_id": {"type": "string"}, "team": {"type": "string"},
    "session_id": {"type": "string"}, "end_user": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
    "model_requested": {"type": "string"}, "model_used": {"type": "string"}, "provider": {"type": "string"},
    "status": {"type": "integer"}, "streamed": {"type": "boolean"}, "usage": REF("TokenUsage"), "cost": REF("Money"),
    "provider_cost": REF("Money"), "package_tokens": {"type": "integer"}, "reserved": {"type": "integer"},
    "settlement": {"type": "string"}, "usage_source": {"type": "string", "enum": ["provider", "counted", "none"]},
    "latency_ms": {"type": "integer"}, "ttft_ms": {"type": "integer"}, "error": {"type": "string"}, "created_at": TIME,
    "route": {"type": "string"},
    "attempts": {"type": "array", "items": {"type": "object", "required": ["model", "provider", "latency_ms"], "properties": {
        "model": {"type": "string"}, "provider": {"type": "string"}, "status": {"type": "integer"},
        "latency_ms": {"type": "integer"}, "error": {"type": "string"}}}},
    "cache": {"type": "string"}, "saved_tokens": {"type": "integer"}, "saved_cost": REF("Money"),
    "prompt_hash": {"type": "string"}, "prefix_hash": {"type": "string"}, "finish_reason": {"type": "string"},
    "prompt_size": {"type": "object", "properties": {k: {"type": "integer"} for k in ("total", "system", "tools", "tool_output")}}}})
S("SessionTotals", {"type": "object", "required": ["session_id", "requests", "usage", "cost_nanos", "records"], "properties": {
    "session_id": {"type": "string"}, "requests": {"type": "integer"}, "usage": REF("TokenUsage"),
    "cost_nanos": {"type": "integer", "format": "int64"}, "first_at": TIME, "last_at": TIME,
    "records": {"type": "array", "items": REF("RequestRecord")}}})
S("Statement", {"type": "object", "required": ["owner", "from", "to", "accounts"], "properties": {
    "owner": {"type": "string"}, "from": {"type": "integer", "format": "int64"}, "to": {"type": "integer", "format": "int64"},
    "accounts": {"type": "array", "items": {"type": "object", "required": ["account_id", "unit", "opening", "closing", "lines"],
                                            "properties": {"account_id": {"type": "string"}, "unit": {"type": "string"},
                                                           "opening": {"type": "integer"}, "closing": {"type": "integer"},
                                                           "lines": {"type": "array", "items": {"type": "object"}}}}}}})
S("Settlement", {"type": "object", "required": ["provider", "from", "to", "accounts", "reconciles"], "properties": {
    "provider": {"type": "string"}, "from": {"type": "integer", "format": "int64"}, "to": {"type": "integer", "format": "int64"},
    "accounts": {"type": "array", "items": {"type": "object"}}, "reconciles": {"type": "boolean"}}})
FIGURES = {"type": "object", "required": ["requests", "errors", "cache_hits", "input_tokens", "cached_input_tokens",
                                          "cache_write_tokens", "output_tokens", "reasoning_tokens", "tokens", "cost",
                                          "provider_cost", "margin", "saved", "currency", "previous", "growth"],
           "properties": {**{k: {"type": "integer"} for k in ("requests", "errors", "cache_hits", "input_tokens",
                                                               "cached_input_tokens", "cache_write_tokens", "output_tokens",
                                                               "reasoning_tokens", "tokens")},
                          **{k: MONEY_TEXT for k in ("cost", "provider_cost", "margin", "saved")},
                          "currency": {"type": "string"},
                          "previous": {"type": "object", "required": ["requests", "tokens", "cost"],
                                       "properties": {"requests": {"type": "integer"}, "tokens": {"type": "integer"},
                                                      "cost": MONEY_TEXT}},
                          "growth": {"type": "object", "description": "Against the previous period of the same length; null "
                                                                      "where that was zero.",
                                     "properties": {k: {"type": "number", "nullable": True} for k in ("requests", "tokens", "cost")}}}}
S("AnalyticsFigures", FIGURES)
GROUPS = ["organization", "team", "key", "model", "provider", "route", "day", "hour", "session", "end_user", "tag"]
S("Analytics", {"type": "object", "required": ["from", "to", "group_by", "rows", "totals"], "properties": {
    "from": TIME, "to": TIME, "group_by": {"type": "array", "items": {"type": "string", "enum": GROUPS}},
    "rows": {"type": "array", "items": {"allOf": [REF("AnalyticsFigures"), {
        "type": "object", "description": "Plus one field per group: `org_id` and `organization` for organization, `day` "
                                         "(YYYY-MM-DD), `hour` (instant), else the dimension's name.",
        "properties": {"org_id": {"type": "string"}, "organization": {"type": "string"}, "day": {"type": "string"},
                       "hour": {"type": "string"}}}]}},
    "totals": {"type": "array", "description": "One per currency.", "items": REF("AnalyticsFigures")}}})
S("Runway", {"type": "object", "required": ["organization", "currency", "at", "scopes"], "properties": {
    "organization": {"type": "string"}, "currency": {"type": "string"}, "at": TIME,
    "scopes": {"type": "array", "items": {"type": "object", "required": [
        "scope", "subject", "spent_day", "spent_week", "rate_per_day", "rate_per_day_week", "available", "runway_days",
        "last_hour", "hourly_median", "anomaly", "budgets"], "properties": {
        "scope": {"type": "string"}, "subject": {"type": "string"},
        **{k: MONEY_TEXT for k in ("spent_day", "spent_week", "rate_per_day", "rate_per_day_week", "available", "last_hour",
                                   "hourly_median")},
        "runway_days": {"type": "number", "nullable": True}, "anomaly": {"type": "boolean"},
        "budgets": {"type": "array", "items": {"type": "object", "required": ["id", "period", "amount", "spent", "remaining",
                                                                             "runway_days"], "properties": {
            "id": {"type": "string"}, "period": {"type": "string"}, "amount": MONEY_TEXT, "spent": MONEY_TEXT,
            "remaining": MONEY_TEXT, "runway_days": {"type": "number", "nullable": True}}}}}}}}})
S("WasteReport", {"type": "object", "required": ["organization", "currency", "from", "to", "requests", "findings", "total_cost"],
                  "properties": {
    "organization": {"type": "string"}, "currency": {"type": "string"}, "from": TIME, "to": TIME, "requests": {"type": "integer"},
    "findings": {"type": "array", "items": {"type": "object", "required": ["kind", "title", "occurrences", "tokens", "cost",
                                                                           "examples"], "properties": {
        "kind": {"type": "string", "enum": ["repeated_prompts", "uncached_prefix", "oversized_instructions",
                                            "tool_output_dominates", "unbounded_context", "hit_max_tokens"]},
        "title": {"type": "string"}, "occurrences": {"type": "integer"}, "tokens": {"type": "integer"}, "cost": MONEY_TEXT,
        "examples": {"type": "array", "items": {"type": "string"}}}}},
    "total_cost": MONEY_TEXT}})
S("SavingsReport", {"type": "object", "required": ["organization", "currency", "from", "to", "requests", "spent", "saved", "lines"],
                    "properties": {
    "organization": {"type": "string"}, "currency": {"type": "string"}, "from": TIME, "to": TIME, "requests": {"type": "integer"},
    "spent": MONEY_TEXT, "saved": MONEY_TEXT,
    "lines": {"type": "array", "items": {"type": "object", "required": ["source", "title", "requests", "tokens", "saved"],
                                         "properties": {
        "source": {"type": "string", "enum": ["response_cache", "provider_prompt_cache", "routing"]}, "title": {"type": "string"},
        "requests": {"type": "integer"}, "tokens": {"type": "integer"}, "saved": MONEY_TEXT}}}}})

# ---------------------------------------------------------------- helpers for operations


def ok(schema, status="200", description="OK", media=JSON, headers=None, extra_media=None):
    content = {media: {"schema": schema}}
    if extra_media:
        content.update(extra_media)
    out = {"description": description, "content": content}
    if headers:
        out["headers"] = headers
    return {status: out}


def op(method, path, *, summary, op_id, tags, responses, security=None, parameters=None, body=None, description=None):
    o = {"operationId": op_id, "summary": summary, "tags": tags, "responses": responses}
    if description:
        o["description"] = description
    if parameters:
        o["parameters"] = parameters
    if body:
        o["requestBody"] = body
    if security is not None:
        o["security"] = security
    paths.setdefault(path, {})[method] = o


def json_body(schema, required=True, example=None, description=None, examples=None):
    media = {"schema": schema}
    if examples:
        media["examples"] = {name: {"value": value} for name, value in examples.items()}
    elif example is not None:
        media["example"] = example
    out = {"required": required, "content": {JSON: media}}
    if description:
        out["description"] = description
    return out


def path_param(name, description, example=None):
    p = {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}
    if example is not None:
        p["example"] = example
    return p


def query(name, schema, description, required=False, example=None, **extra):
    p = {"name": name, "in": "query", "required": required, "description": description, "schema": schema, **extra}
    if example is not None:
        p["example"] = example
    return p


# ---------------------------------------------------------------- client API

PROXY_ERRORS = (400, 401, 402, 403, 404, 409, 413, 422, 429, 502, 503, 504)


def sse_event(description):
    """One server-sent event (OpenAPI 3.0 has no itemSchema: for text/event-stream the schema describes each event)."""
    return {"type": "object", "description": description, "required": ["data"],
            "properties": {"event": {"type": "string"}, "data": {"type": "string", "description": "JSON, or [DONE]."},
                           "id": {"type": "string"}, "retry": {"type": "integer"}}}
# Examples: what the demo gateway (`tollgate demo`) serves, so that a run reaches the 200 answers.
HELLO = [{"role": "user", "content": "Hello"}]
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {
    "city": {"type": "string"}}}}}
CHAT_EXAMPLES = {
    "plain": {"model": "deepseek-chat", "max_tokens": 16, "messages": HELLO},
    "streamed": {"model": "gpt-4o", "max_tokens": 16, "stream": True, "stream_options": {"include_usage": True},
                 "messages": [{"role": "system", "content": "Be brief."}, *HELLO]},
    "translated_with_tools": {"model": "claude-sonnet-4-5", "max_tokens": 32, "tools": [TOOL], "tool_choice": "auto",
                              "messages": [{"role": "user", "content": "Weather in Paris?"}]},
    "routed": {"model": "auto", "messages": HELLO},
}
MESSAGES_EXAMPLES = {
    "plain": {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": HELLO},
    "streamed": {"model": "claude-sonnet-4-5", "max_tokens": 16, "stream": True, "system": "Be brief.", "messages": HELLO},
    "translated": {"model": "deepseek-chat", "max_tokens": 16, "temperature": 0.5, "messages": HELLO},
    "translated_streamed": {"model": "gpt-4o", "max_tokens": 16, "stream": True, "messages": HELLO},
}
RESPONSES_EXAMPLES = {
    "plain": {"model": "gpt-4o", "input": "Hello", "max_output_tokens": 16},
    "streamed": {"model": "gpt-4o", "input": "Hello", "stream": True, "instructions": "Be brief."},
    "translated_with_tools": {"model": "claude-sonnet-4-5", "max_output_tokens": 32, "store": False,
                              "input": [{"role": "user", "content": "Weather in Paris?"}],
                              "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]},
}

STREAM_NOTE = ("With `stream: true` the answer is a text/event-stream; a stream that fails after it started ends with an "
               "error event instead of its normal end.")

op("post", "/v1/chat/completions", op_id="createChatCompletion", tags=["client"], security=CLIENT_SECURITY,
   summary="OpenAI Chat Completions, plain or streamed, through the gateway",
   description=STREAM_NOTE + " OpenAI stream errors are a `data: {\"error\": …}` line and no `[DONE]`.",
   parameters=PROXY_PARAMS,
   body=json_body(REF("ChatCompletionRequest"), examples=CHAT_EXAMPLES),
   responses={**ok(REF("ChatCompletion"), headers=PROXY_HEADERS,
                   extra_media={SSE: {"schema": sse_event("Chat completion chunks as `data:` lines (JSON), then `data: [DONE]`; "
                                                            "no `event:` names.")}}),
              **errors(PROXY_ERRORS, proxied=True)})

op("post", "/v1/messages", op_id="createMessage", tags=["client"], security=CLIENT_SECURITY,
   summary="Anthropic Messages, plain or streamed, through the gateway",
   description=STREAM_NOTE + " Anthropic stream errors are an `event: error`. Errors are in Anthropic's shape.",
   parameters=PROXY_PARAMS + ANTHROPIC_PARAMS,
   body=json_body(REF("MessagesRequest"), examples=MESSAGES_EXAMPLES),
   responses={**ok(REF("Message"), headers=PROXY_HEADERS,
                   extra_media={SSE: {"schema": sse_event("Anthropic's events: message_start, content_block_start/delta/stop, "
                                                            "message_delta (usage, with cost), message_stop; ping; error.")}}),
              **errors(PROXY_ERRORS, "AnthropicError", proxied=True)})

op("post", "/v1/messages/count_tokens", op_id="countMessageTokens", tags=["client"], security=CLIENT_SECURITY,
   summary="The input tokens of a Messages request",
   description="Counted by the provider when the model is Anthropic-style and its provider has the endpoint, else by "
               "Tollgate's tokenizer for the model (`x-tollgate-count-source`). Errors are in Anthropic's shape.",
   parameters=ANTHROPIC_PARAMS,
   body=json_body(REF("CountTokensRequest"), examples={
       "anthropic": {"model": "claude-sonnet-4-5", "messages": HELLO},
       "counted": {"model": "gpt-4o", "system": "Be brief.", "messages": HELLO}}),
   responses={**ok(REF("CountTokensResponse"), headers={
       "x-tollgate-model": {"description": "The model counted for.", "required": True, "schema": {"type": "string"}},
       "x-tollgate-count-source": {"description": "Who counted.", "required": True,
                                   "schema": {"type": "string", "enum": ["provider", "tollgate"]}}}),
              **errors((400, 401, 403, 404, 413, 429, 502, 503, 504), "AnthropicError",
                       {400: "Malformed request, a model that cannot count (no_tokenizer, an embeddings model), or the "
                             "provider rejected it.",
                        404: "Unknown model or route.", 429: "The provider is rate limiting."})})

op("post", "/v1/responses", op_id="createResponse", tags=["client"], security=CLIENT_SECURITY,
   summary="OpenAI Responses, plain or streamed, any provider",
   description=STREAM_NOTE + " Unless `store: false` the answer is kept for `previous_response_id` and GET "
               "/v1/responses/{id}.",
   parameters=PROXY_PARAMS,
   body=json_body(REF("ResponsesRequest"), examples=RESPONSES_EXAMPLES),
   responses={**ok(REF("Response"), headers=PROXY_HEADERS,
                   extra_media={SSE: {"schema": sse_event("The Responses event sequence: response.created, response.in_progress, "
                                                            "response.output_item.added … response.completed or "
                                                            "response.incomplete; error.")}}),
              **errors(PROXY_ERRORS, proxied=True)})

RESP_ID = path_param("id", "A kept response of the caller's organization (`resp_…`); another organization's is 404.")
op("get", "/v1/responses/{id}", op_id="getResponse", tags=["client"], security=CLIENT_SECURITY,
   summary="A kept response", parameters=[RESP_ID],
   responses={**ok(REF("Response")), **errors((401, 404, 503), texts={404: "No kept response with this id."})})
op("delete", "/v1/responses/{id}", op_id="deleteResponse", tags=["client"], security=CLIENT_SECURITY,
   summary="Deletes a kept response", parameters=[RESP_ID],
   responses={**ok(REF("ResponseDeleted")), **errors((401, 404, 503), texts={404: "No kept response with this id."})})
op("get", "/v1/responses/{id}/input_items", op_id="listResponseInputItems", tags=["client"], security=CLIENT_SECURITY,
   summary="The input items a kept response answered, paged",
   parameters=[RESP_ID,
               query("order", {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
                     "Order of the items; any value but `asc` means `desc`."),
               query("limit", {"type": "integer", "default": 20},
                     "Items per page, clamped to 1–100; a value that is not an integer means 20."),
               query("after", {"type": "string"}, "An item id: the page starts after it (an unknown id is ignored).")],
   responses={**ok(REF("InputItemList")), **errors((401, 404, 503), texts={404: "No kept response with this id."})})

op("post", "/v1/embeddings", op_id="createEmbeddings", tags=["client"], security=CLIENT_SECURITY,
   summary="OpenAI embeddings, metered on input tokens", parameters=PROXY_PARAMS,
   body=json_body(REF("EmbeddingsRequest"), examples={
       "text": {"model": "text-embedding-3-small", "input": "Hello"},
       "texts": {"model": "text-embedding-3-small", "input": ["Hello", "world"], "encoding_format": "float"},
       "tokens": {"model": "text-embedding-3-small", "input": [[9906, 1917], [15339]]}}),
   responses={**ok(REF("Embeddings"), headers=PROXY_HEADERS), **errors(PROXY_ERRORS, proxied=True)})

MODELS_NOTE = ("Anthropic's list format and error shape when the request carries `anthropic-version` (Claude Code's "
               "model picker), OpenAI's otherwise.")
op("get", "/v1/models", op_id="listModels", tags=["client"], security=CLIENT_SECURITY,
   summary="The models and routes the key may use", description=MODELS_NOTE,
   parameters=[{"$ref": "#/components/parameters/AnthropicVersion"},
               query("limit", {"type": "integer", "default": 20},
                     "Anthropic format only: entries per page, clamped to 1–1000; a value that is not an integer means 20."),
               query("after_id", {"type": "string"}, "Anthropic format only: the page after this id (unknown: ignored)."),
               query("before_id", {"type": "string"}, "Anthropic format only: the page before this id (unknown: ignored).")],
   responses={**ok({"anyOf": [REF("OpenAIModelList"), REF("AnthropicModelList")]}),
              **errors((401, 503), "either")})
op("get", "/v1/models/{id}", op_id="getModel", tags=["client"], security=CLIENT_SECURITY,
   summary="One model or route the key may use", description=MODELS_NOTE,
   parameters=[path_param("id", "A model or route name.", "gpt-4o"), {"$ref": "#/components/parameters/AnthropicVersion"}],
   responses={**ok({"anyOf": [REF("OpenAIModel"), REF("AnthropicModel")]}),
              **errors((401, 404, 503), "either", {404: "Unknown model, or one the key may not use (model_not_found)."})})

# ---------------------------------------------------------------- operations

op("get", "/health", op_id="health", tags=["operations"], security=[], summary="Liveness",
   responses=ok({"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}))
READY = {"type": "object", "required": ["status", "checks"], "properties": {
    "status": {"type": "string", "enum": ["ready", "unavailable"]},
    "checks": {"type": "object", "required": ["configuration", "database"],
               "properties": {"configuration": {"type": "string"},
                              "database": {"type": "string", "description": "`ok`, or the database's answer."}}}}}
op("get", "/ready", op_id="ready", tags=["operations"], security=[], summary="Readiness",
   description="200 when the database takes a write within 2 s, else 503.",
   responses={**ok(READY), "503": {"description": "Not ready.", "content": {JSON: {"schema": READY}}}})
op("get", "/metrics", op_id="metrics", tags=["operations"], security=[{}, {"MetricsToken": []}],
   summary="Prometheus metrics (text format)",
   description="Behind `Authorization: Bearer <metrics_token>` when the configuration sets one.",
   responses={**ok({"type": "string"}, media="text/plain"),
              **errors((401,), texts={401: "The metrics token is configured and was not sent."})})
op("get", "/openapi.json", op_id="openapi", tags=["operations"], security=[], summary="This document",
   responses=ok({"type": "object", "required": ["openapi", "info", "paths"]}))

# ---------------------------------------------------------------- admin API

ADMIN_TEXT = {401: "Missing or wrong admin token (invalid_admin_token).",
              404: "Unknown organization (or other named object); also `admin_disabled` when no admin token is configured.",
              400: "A field or query parameter is wrong; `param` names it where the gateway knows it.",
              409: "Conflict: the name is taken.",
              413: "The body is larger than 1 MiB.",
              500: "Internal error.",
              503: "The gateway's database cannot be reached (storage_unavailable)."}


def admin_errors(*statuses):
    return errors(sorted(set((401, 404, 503) + statuses)), texts=ADMIN_TEXT)


ORG = path_param("org", "An organization's name (or id).", "demo")
PERIOD = [query("from", {"type": "string"}, "Start: a date (2026-11-01) or an ISO 8601 instant; before `to` (400 otherwise).",
                required=True, example="2026-01-01"),
          query("to", {"type": "string"}, "End (exclusive): a date or an ISO 8601 instant.", required=True, example="2027-01-01")]


def admin(method, path, **kw):
    op(method, path, tags=["admin"], security=ADMIN_SECURITY, **kw)


admin("get", "/admin/orgs", op_id="listOrganizations", summary="Organizations",
      responses={**ok({"type": "array", "items": REF("Organization")}), **admin_errors()})
admin("post", "/admin/orgs", op_id="createOrganization", summary="Creates an organization",
      body=json_body(REF("OrganizationCreate"), example={"name": "acme", "currency": "USD", "markup_percent": "20"}),
      responses={**ok(REF("Organization"), "201", "Created"), **admin_errors(400, 409, 413)})
admin("get", "/admin/orgs/{org}/balance", op_id="getBalance", summary="The organization's available prepaid credit",
      parameters=[ORG], responses={**ok(REF("Money")), **admin_errors()})
admin("post", "/admin/orgs/{org}/credits", op_id="addCredit", summary="Adds prepaid credit",
      description="Answers the holder's balance after the credit.", parameters=[ORG],
      body=json_body(REF("CreditCreate"), example={"amount": "100"}),
      responses={**ok(REF("Money"), "201", "Created"), **admin_errors(400, 413)})
admin("get", "/admin/orgs/{org}/funds", op_id="listFunds", summary="The funds of the organization, a team or a key",
      parameters=[ORG, query("team", {"type": "string"}, "A team (not with `key`)."),
                  query("key", {"type": "string"}, "A key id (not with `team`).")],
      responses={**ok({"type": "array", "items": REF("Fund")}), **admin_errors(400)})
admin("get", "/admin/orgs/{org}/keys", op_id="listKeys", summary="The organization's keys (revoked ones included)",
      parameters=[ORG], responses={**ok({"type": "array", "items": REF("VirtualKey")}), **admin_errors()})
admin("post", "/admin/orgs/{org}/keys", op_id="createKey", summary="Creates a key; its secret is in this answer only",
      parameters=[ORG], body=json_body(REF("KeyCreate"), example={"name": "ci", "models": ["deepseek-chat"], "rpm": 60}),
      responses={**ok(REF("KeyCreated"), "201", "Created"), **admin_errors(400, 413)})
KEY_ID = path_param("id", "A key id (`key_…`).")
admin("delete", "/admin/keys/{id}", op_id="revokeKey", summary="Revokes a key", parameters=[KEY_ID],
      responses={**ok(REF("KeyRevoked")), **errors((401, 404, 503), texts={**ADMIN_TEXT, 404: "No live key with this id."})})
admin("post", "/admin/keys/{id}/rotate", op_id="rotateKey", summary="Gives a key a new secret",
      description="The old secret keeps working for `grace_seconds`. The body is optional.", parameters=[KEY_ID],
      body=json_body(REF("KeyRotate"), required=False),
      responses={**ok(REF("KeyRotated"), "201", "Created"),
                 **errors((400, 401, 404, 413, 503), texts={**ADMIN_TEXT, 404: "No live key with this id."})})
admin("get", "/admin/orgs/{org}/teams", op_id="listTeams", summary="Teams and their rate limits", parameters=[ORG],
      responses={**ok({"type": "array", "items": REF("Team")}), **admin_errors()})
admin("post", "/admin/orgs/{org}/teams", op_id="setTeam", summary="Creates a team or sets its rate limits", parameters=[ORG],
      body=json_body(REF("TeamCreate"), example={"name": "research", "rpm": 600}),
      responses={**ok(REF("Team"), "201", "Created or changed"), **admin_errors(400, 413)})
admin("get", "/admin/orgs/{org}/packages", op_id="listPackages", summary="Token packages, with what is left", parameters=[ORG],
      responses={**ok({"type": "array", "items": REF("TokenPackage")}), **admin_errors()})
admin("post", "/admin/orgs/{org}/packages", op_id="grantPackage", summary="Grants a token package", parameters=[ORG],
      body=json_body(REF("PackageCreate"), example={"model": "gpt-4o", "tokens": "10M", "price": "20"}),
      responses={**ok(REF("TokenPackage"), "201", "Created"), **admin_errors(400, 413)})
admin("get", "/admin/orgs/{org}/budgets", op_id="listBudgets", summary="Budgets, with this period's spending", parameters=[ORG],
      responses={**ok({"type": "array", "items": REF("Budget")}), **admin_errors()})
admin("post", "/admin/orgs/{org}/budgets", op_id="createBudget", summary="Creates a budget", parameters=[ORG],
      body=json_body(REF("BudgetCreate"), example={"scope": "organization", "amount": "500", "period": "month"}),
      responses={**ok(REF("Budget"), "201", "Created"), **admin_errors(400, 413)})
admin("delete", "/admin/budgets/{id}", op_id="deleteBudget", summary="Deletes a budget",
      parameters=[path_param("id", "A budget id (`bud_…`).")],
      responses={**ok(REF("BudgetDeleted")), **errors((401, 404, 503), texts={**ADMIN_TEXT, 404: "No budget with this id."})})
admin("get", "/admin/orgs/{org}/statement", op_id="getStatement", summary="The ledger statement of the organization, a team or a key",
      parameters=[ORG, *PERIOD, query("team", {"type": "string"}, "A team (not with `key`)."),
                  query("key", {"type": "string"}, "A key id (not with `team`).")],
      responses={**ok(REF("Statement")), **admin_errors(400)})
admin("get", "/admin/providers/{provider}/settlement", op_id="getSettlement", summary="What a provider is owed, against its invoice",
      parameters=[path_param("provider", "A provider name (an unknown one has nothing owed).", "sim-openai"), *PERIOD,
                  query("invoice", {"type": "string", "pattern": "^([Uu][Ss][Dd]|[Ee][Uu][Rr]|[Cc][Nn][Yy]|[Jj][Pp][Yy]):\\s*[+-]?"
                                                              "([0-9]+\\.?[0-9]{0,9}|\\.[0-9]{1,9})\\s*$"},
                        "The provider's invoice to reconcile: CURRENCY:AMOUNT such as USD:120.50.")],
      responses={**ok(REF("Settlement")), **errors((400, 401, 503), texts=ADMIN_TEXT)})
PROVIDER = path_param("provider", "A configured provider's name.", "sim-openai")
PROVIDER_TEXT = {**ADMIN_TEXT, 404: "No such provider is configured (or, on DELETE, it has no managed key); also `admin_disabled`.",
                 409: "No master key: start the gateway with TOLLGATE_MASTER_KEY (master_key_missing)."}
admin("get", "/admin/providers", op_id="listProviders", summary="Configured providers and where each one's API key comes from",
      responses={**ok({"type": "array", "items": REF("ProviderEntry")}), **admin_errors()})
admin("put", "/admin/providers/{provider}/api_key", op_id="setProviderKey", summary="Sets a provider's API key, kept sealed",
      description="Sealed with AES-256-GCM under TOLLGATE_MASTER_KEY in the database; used at once by this replica and by the "
                  "others within their reload interval (5 s), in place of the configured key. Never returned.",
      parameters=[PROVIDER], body=json_body(REF("ProviderKeySet"), example={"api_key": "sk-live-1234"}),
      responses={**ok(REF("ProviderEntry")), **errors((400, 401, 404, 409, 413, 503), texts=PROVIDER_TEXT)})
admin("delete", "/admin/providers/{provider}/api_key", op_id="removeProviderKey",
      summary="Forgets a provider's managed key; its configured key is used again", parameters=[PROVIDER],
      responses={**ok(REF("ProviderEntry")), **errors((401, 404, 503), texts=PROVIDER_TEXT)})
admin("get", "/admin/orgs/{org}/sessions/{session}", op_id="getSession", summary="An agent session's totals and records",
      parameters=[ORG, path_param("session", "The session id (`x-tollgate-session`); an unknown one has no records.")],
      responses={**ok(REF("SessionTotals")), **admin_errors()})
admin("get", "/admin/analytics", op_id="getAnalytics", summary="Requests, tokens, cost and margin by group, with growth",
      parameters=[*PERIOD,
                  query("group_by", {"type": "array", "items": {"type": "string", "enum": GROUPS}},
                        "Dimensions, comma-separated.", style="form", explode=False),
                  query("org", {"type": "string"}, "An organization's name or id (404 if unknown)."),
                  *[query(n, {"type": "string"}, f"Only this {n}.") for n in ("team", "key", "model", "provider", "route")]],
      responses={**ok(REF("Analytics")), **admin_errors(400)})
admin("get", "/admin/orgs/{org}/runway", op_id="getRunway", summary="Burn rates, runways and runaway flags", parameters=[ORG],
      responses={**ok(REF("Runway")), **admin_errors()})
REPORT_PARAMS = [query("org", {"type": "string", "minLength": 1}, "An organization's name or id.", required=True, example="demo"),
                 *PERIOD]
admin("get", "/admin/reports/waste", op_id="getWasteReport", summary="The waste report of an organization for a period",
      parameters=REPORT_PARAMS, responses={**ok(REF("WasteReport")), **admin_errors(400)})
admin("get", "/admin/reports/savings", op_id="getSavingsReport", summary="The savings report of an organization for a period",
      parameters=REPORT_PARAMS, responses={**ok(REF("SavingsReport")), **admin_errors(400)})
admin("get", "/admin/export/usage", op_id="exportUsage", summary="Settled usage, one line per request",
      description="Written a page at a time (chunked). CSV has a header line; JSONL one record per line; CloudEvents one "
                  "event per line.",
      parameters=[*PERIOD, query("org", {"type": "string"}, "Only this organization (name or id; 404 if unknown)."),
                  query("format", {"type": "string", "enum": ["csv", "jsonl", "cloudevents"], "default": "csv"}, "The format.")],
      responses={"200": {"description": "The usage lines.", "content": {
          "text/csv": {"schema": {"type": "string"}},
          "application/x-ndjson": {"schema": {"type": "string"}},
          "application/cloudevents+json": {"schema": {"type": "string"}}}},
          **admin_errors(400)})
admin("get", "/admin/requests", op_id="listRequests", summary="Recent request records, newest first",
      parameters=[query("org", {"type": "string"}, "Only this organization (by name; 404 if unknown)."),
                  query("limit", {"type": "integer", "default": 100},
                        "At most this many records (capped at 1000); a value that is not an integer means 100.")],
      responses={**ok({"type": "array", "items": REF("RequestRecord")}), **admin_errors()})
admin("get", "/admin/requests/{id}", op_id="getRequest", summary="One request record",
      parameters=[path_param("id", "A request id (`req_…`, as in `x-tollgate-request-id`).")],
      responses={**ok(REF("RequestRecord")), **admin_errors()})

# ---------------------------------------------------------------- dashboard

SEC_HEADERS = {
    "content-security-policy": {"required": True, "schema": {"type": "string"}},
    "x-content-type-options": {"required": True, "schema": {"type": "string", "enum": ["nosniff"]}},
    "referrer-policy": {"required": True, "schema": {"type": "string"}},
    "cache-control": {"required": True, "schema": {"type": "string"}},
}
HTML_STRING = {"type": "string"}


def html(status, description, extra_headers=None):
    return {str(status): {"description": description, "headers": {**SEC_HEADERS, **(extra_headers or {})},
                          "content": {HTML: {"schema": HTML_STRING}}}}


def redirect(description, cookie=False):
    headers = {**SEC_HEADERS, "location": {"required": True, "schema": {"type": "string"}}}
    if cookie:
        headers["set-cookie"] = {"schema": {"type": "string"}}
    return {"303": {"description": description, "headers": headers}}


DASH_SECURITY = [{"AdminToken": []}, {"DashboardSession": []}]
DAYS = query("days", {"type": "integer", "enum": [1, 7, 30, 90]}, "The period shown: the last N days (another value means "
                                                                  "the page's default).")


def page(path, op_id, summary, params=None, not_found=False):
    responses = {**html(200, "The page."), **redirect("Not signed in: to /dashboard/login."),
                 **html(404, "The dashboard is off (no admin token configured)" + (", or no such object." if not_found else ".")),
                 **html(503, "The page could not be read (database).")}
    op("get", path, op_id=op_id, summary=summary, tags=["dashboard"], security=DASH_SECURITY, parameters=params,
       responses=responses)


op("get", "/dashboard/style.css", op_id="dashboardStyle", summary="The dashboard's stylesheet", tags=["dashboard"], security=[],
   responses=ok({"type": "string"}, media="text/css"))
op("get", "/dashboard/login", op_id="dashboardLoginPage", summary="The sign-in form", tags=["dashboard"], security=[],
   responses={**html(200, "The form, with a short-lived sign-in cookie.", {"set-cookie": {"required": True, "schema": {"type": "string"}}}),
              **redirect("Already signed in: to /dashboard."), **html(404, "The dashboard is off.")})
op("post", "/dashboard/login", op_id="dashboardLogin", summary="Signs in with the admin token", tags=["dashboard"], security=[],
   body={"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
       "type": "object", "required": ["token", "csrf"],
       "properties": {"token": {"type": "string", "description": "The admin token."},
                      "csrf": {"type": "string", "description": "The sign-in form's hidden field, matching its cookie."}}}}}},
   responses={**redirect("Signed in: to /dashboard, with the HttpOnly session cookie.", cookie=True),
              **html(401, "Wrong token or expired form: the form again.", {"set-cookie": {"required": True, "schema": {"type": "string"}}}),
              **html(404, "The dashboard is off.")})
FORM_ERRORS = {**html(400, "The change failed."), **html(403, "The form's CSRF token is missing or stale."),
               **html(404, "The dashboard is off.")}
op("post", "/dashboard/logout", op_id="dashboardLogout", summary="Signs out", tags=["dashboard"], security=DASH_SECURITY,
   body={"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
       "type": "object", "properties": {"csrf": {"type": "string", "description": "The session's CSRF token (not needed "
                                                                                   "with the bearer token)."}}}}}},
   responses={**redirect("To /dashboard/login (also when not signed in).", cookie=True), **FORM_ERRORS})
op("post", "/dashboard/keys/{id}/revoke", op_id="dashboardRevokeKey", summary="Revokes a key from the organization page",
   tags=["dashboard"], security=DASH_SECURITY, parameters=[KEY_ID],
   body={"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
       "type": "object", "properties": {"csrf": {"type": "string"},
                                        "org": {"type": "string", "description": "The organization page to go back to."}}}}}},
   responses={**redirect("Done (an unknown key changes nothing): back to the organization page, or to /dashboard/login "
                         "when not signed in."), **FORM_ERRORS})
page("/dashboard", "dashboardOverview", "Overview: spending, tokens and requests", [DAYS])
page("/dashboard/orgs", "dashboardOrganizations", "Organizations")
page("/dashboard/orgs/{org}", "dashboardOrganization", "One organization: funds, keys, budgets", [ORG], not_found=True)
page("/dashboard/sessions", "dashboardSessions", "Agent sessions", [DAYS])
page("/dashboard/providers", "dashboardProviders", "Providers: health, latency, cost", [DAYS])
page("/dashboard/requests", "dashboardRequests", "The request log, with filters",
     [query("org", {"type": "string"}, "An organization's name (404 page if unknown)."),
      query("model", {"type": "string"}, "A model or route."), query("provider", {"type": "string"}, "A provider."),
      query("status", {"type": "string", "enum": ["ok", "error"]}, "ok or error (another value: any)."),
      query("session", {"type": "string"}, "A session id."),
      query("limit", {"type": "integer", "default": 100}, "Rows, clamped to 1–1000.")], not_found=True)
page("/dashboard/requests/{id}", "dashboardRequest", "One request record", [path_param("id", "A request id.")], not_found=True)
page("/dashboard/prices", "dashboardPrices", "The price book")

# ---------------------------------------------------------------- document

# The admin API reads `null` as an absent field (AdminBody): every optional field of its bodies is nullable.
for name in ("OrganizationCreate", "CreditCreate", "TeamCreate", "KeyCreate", "PackageCreate", "BudgetCreate"):
    schema = schemas[name]
    for field, spec in list(schema["properties"].items()):
        if field not in schema.get("required", []):
            schema["properties"][field] = nullable(spec)

document = {
    "openapi": "3.0.3",
    "info": {
        "title": "Tollgate",
        "version": os.environ.get("TOLLGATE_API_VERSION", "0.1.0"),
        "description": "Tollgate, an LLM gateway: OpenAI- and Anthropic-compatible client routes (metered, routed, "
                       "translated), the admin API, operations endpoints and the web dashboard. Every status an operation "
                       "lists is one the gateway can answer. An unknown path is 404 (OpenAI's error shape; Anthropic's "
                       "under /v1/messages); a path here asked with a method it does not list is 405 with `Allow`; "
                       "HEAD is answered wherever GET is. A request head the server refuses (too large, malformed "
                       "HTTP) is 431 or 400 in OpenAI's shape, on any path.",
    },
    "servers": [{"url": "/", "description": "The gateway that serves this document (GET /openapi.json)."}],
    "tags": [{"name": "client", "description": "The client API, with a Tollgate key (`tg-…`)."},
             {"name": "operations", "description": "Health, readiness, metrics, this document."},
             {"name": "admin", "description": "JSON admin API, with the admin token."},
             {"name": "dashboard", "description": "The web dashboard (HTML for people)."}],
    "paths": paths,
    "components": {
        "schemas": schemas,
        "parameters": HEADER_PARAMS,
        "securitySchemes": {
            "ClientKey": {"type": "http", "scheme": "bearer", "description": "A Tollgate key: `Authorization: Bearer tg-…`."},
            "ClientApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key",
                             "description": "A Tollgate key as Anthropic clients send it: `x-api-key: tg-…` (accepted on every "
                                            "client route)."},
            "AdminToken": {"type": "http", "scheme": "bearer",
                           "description": "The admin token (`admin_token` or TOLLGATE_ADMIN_TOKEN). The gateway also takes it "
                                          "as `x-api-key`."},
            "MetricsToken": {"type": "http", "scheme": "bearer", "description": "`metrics_token`, when configured."},
            "DashboardSession": {"type": "apiKey", "in": "cookie", "name": "tollgate_session",
                                 "description": "The session cookie POST /dashboard/login sets."},
        },
    },
}

def swift_source(text):
    """The document as a Swift string literal, for the gateway to serve without reading a file."""
    delimiter = "#" * 3
    assert '"' + delimiter not in text
    return ("// Generated by scripts/openapi/build_openapi.py from the same document as docs/openapi.json; do not edit.\n"
            "// Change the generator and run it again (the compatibility tests check that the two agree).\n\n"
            "extension OpenAPIDocument {\n"
            f"    static let json = {delimiter}\"\"\"\n{text}\n\"\"\"{delimiter}\n"
            "}\n")


if __name__ == "__main__":
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "docs", "openapi.json"), "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")
    compact = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    with open(os.path.join(root, "Sources", "Gateway", "Server", "OpenAPIDocument+JSON.swift"), "w") as f:
        f.write(swift_source(compact))
    print(f"docs/openapi.json: {len(paths)} paths, {sum(len(v) for v in paths.values())} operations, {len(schemas)} schemas")
