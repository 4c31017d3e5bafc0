"""An Interface with examples, a Radio of operations, and gr.Error for a bad division."""

from harness import Call

import streamcore as gr


def calculator(num1, operation, num2):
    if operation == "add":
        return num1 + num2
    if operation == "subtract":
        return num1 - num2
    if operation == "multiply":
        return num1 * num2
    if num2 == 0:
        raise gr.Error("Cannot divide by zero!")
    return num1 / num2


demo = gr.Interface(
    calculator,
    ["number", gr.Radio(["add", "subtract", "multiply", "divide"]), "number"],
    "number",
    examples=[[45, "add", 3], [3.14, "divide", 2], [144, "multiply", 2.5]],
    title="Toy Calculator",
    description="Here's a sample toy calculator.",
)

CALLS = [
    Call("/calculator", [4, "multiply", 2.5], expect=10),
    Call("/calculator", [7, "subtract", 10], expect=-3),
    Call("/calculator", [1, "divide", 0], error="Cannot divide by zero!"),
]

if __name__ == "__main__":
    demo.launch()
