"""The review cycle: the weekly dispatch pack (周调度), the monthly bulletin (月通报) and
follow-up actions (督办事项).
"""
