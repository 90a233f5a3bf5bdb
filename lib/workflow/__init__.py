"""The reporting cycle as a workflow: submissions and review (上报→审核→退回), the reporting
calendar, reminders (催报), scheduled delivery of the dispatch pack and the bulletin, and alerts (预警).
"""
