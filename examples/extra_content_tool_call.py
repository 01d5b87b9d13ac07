"""`extra_content` on a tool call (Google's third shape): a thought signature on history you build by hand.

History the model produced keeps its signature by itself (see tool_calling_thought_signatures.py); for
calls you construct, pass the signature Gemini gave you (or Google's documented dummy value).
"""

from _common import MODEL, Reply, example

from vertex_openai.gemini import assistant_tool_call, tool_message

with example(Reply(content="It is 21°C in Paris.")) as ex:
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [
            assistant_tool_call("call_1", "get_weather", {"city": "Paris"},
                                thought_signature="skip_thought_signature_validator"),
        ]},
        tool_message("call_1", '{"temperature_c": 21}'),
    ]
    response = ex.client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
    print(response.choices[0].message.content)
    ex.show_wire("messages")
