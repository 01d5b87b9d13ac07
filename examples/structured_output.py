"""Structured output with a pydantic model (Google's calendar-event example) through `parse()`."""

from _common import MODEL, example
from pydantic import BaseModel


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]


with example() as ex:  # offline, the fake answers with an instance of the requested schema
    completions = ex.client.chat.completions
    parse = getattr(completions, "parse", None) or ex.client.beta.chat.completions.parse
    completion = parse(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Extract the event information."},
            {"role": "user", "content": "Alice and Bob are going to a science fair on Friday."},
        ],
        response_format=CalendarEvent,
    )
    event = completion.choices[0].message.parsed
    print(repr(event))
    ex.show_wire("response_format")
