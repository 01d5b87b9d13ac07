"""A tool-calling loop whose second request carries the thought signature (Gemini 3 requires it).

`to_message_param` turns the response message into a request message and keeps every tool call's
`extra_content` verbatim; appending the message object itself works too.
"""

import json

from _common import MODEL, Reply, example

from vertex_openai.gemini import to_message_param

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}]
CALL = {"id": "", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        "extra_content": {"google": {"thought_signature": "CrICAdHtim827fQ=="}}}


def get_weather(city: str) -> str:
    return json.dumps({"city": city, "temperature_c": 21, "sky": "clear"})


with example(Reply(content=None, tool_calls=[CALL]), Reply(content="It is 21°C and clear in Paris.")) as ex:
    messages: list = [{"role": "user", "content": "What's the weather in Paris?"}]
    for _ in range(5):
        response = ex.client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        message = response.choices[0].message
        messages.append(to_message_param(message))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            result = get_weather(**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    print(message.content)
    ex.show_wire("messages")
