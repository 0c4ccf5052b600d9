"""The service's tools for agents, over the Model Context Protocol (MCP).

Four tools, written once in :mod:`.tools`: create a video, read a job, list jobs, list
voices. They work on the gateway's own pieces (the intake, the job store, the voice list)
and answer what the HTTP API answers, in the same words, so an agent and a client of
``/api/v1`` see one service. Two doors lead to them:

- ``/mcp`` on the gateway (:mod:`.http`): streamable HTTP, stateless and answered in
  JSON, so any gateway worker serves any request and no session needs a sticky route.
  API keys are checked as for ``/api/v1``, and a key sees only its own jobs.
- ``t2v mcp`` (:mod:`.stdio`): stdin and stdout, for an agent on the machine the service
  runs on. The process builds the same pieces from the same settings (the data directory
  and the broker) and acts like one more gateway worker: it queues jobs on the broker and
  applies progress to the shared job store. Whoever can start it can read the data
  directory anyway, so it acts for the operator: it sees every job and has no quotas.
"""
