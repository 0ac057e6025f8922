"""The CrewAI review crew: agents, tasks, and the LLM class that routes through app's gateway."""
