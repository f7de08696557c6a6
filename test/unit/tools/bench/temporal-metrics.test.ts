import { parseTemporalMetrics, temporalTimings } from '../../../../tools/bench/temporal-metrics';

describe('temporalTimings', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sums persistence time per service and operation, and counts frontend calls', async () => {
    const text = [
      '# TYPE persistence_latency histogram',
      'persistence_latency_sum{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} 0.5',
      'persistence_latency_count{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} 100',
      'persistence_latency_sum{namespace="other",operation="UpdateWorkflowExecution",service_name="history"} 0.25',
      'persistence_latency_count{namespace="other",operation="UpdateWorkflowExecution",service_name="history"} 50',
      'service_requests{namespace="default",operation="RespondWorkflowTaskCompleted",service_name="frontend"} 30',
      'service_requests{namespace="default",operation="RecordWorkflowTaskStarted",service_name="history"} 30',
    ].join('\n');
    jest.spyOn(global, 'fetch').mockResolvedValue(new Response(text));
    expect(await temporalTimings('http://metrics')).toEqual({
      'history UpdateWorkflowExecution': { count: 150, totalMs: 750 },
      'frontend RespondWorkflowTaskCompleted': { count: 30, totalMs: 0 },
    });
  });
});

describe('parseTemporalMetrics', () => {
  it('counts persistence requests per operation, over services, namespaces and counters named with _total', () => {
    const text = [
      '# HELP persistence_requests persistence_requests counter',
      '# TYPE persistence_requests counter',
      'persistence_requests{namespace="default",operation="UpdateWorkflowExecution",service_name="history"} 40',
      'persistence_requests{namespace="other",operation="UpdateWorkflowExecution",service_name="history"} 2',
      'persistence_requests{operation="CreateTasks",service_name="matching"} 7',
      'persistence_requests_total{operation="GetTasks",service_name="matching"} 3',
      'persistence_errors{operation="GetTasks",service_name="matching"} 1',
      'persistence_requests{operation="AppendHistoryNodes",service_name="history"} NaN',
    ].join('\n');
    expect(parseTemporalMetrics(text).persistenceRequests).toEqual({
      UpdateWorkflowExecution: 42,
      CreateTasks: 7,
      GetTasks: 3,
    });
  });

  it("counts actions per type over namespaces, leaving out the server's own system namespace", () => {
    const text = [
      'action{action_type="grpc_StartWorkflowExecution",namespace="default",operation="StartWorkflowExecution",service_name="frontend"} 35',
      'action{action_type="grpc_StartWorkflowExecution",namespace="temporal_system",operation="StartWorkflowExecution",service_name="frontend"} 2',
      'action{action_type="command_ScheduleActivityTask",namespace="default",operation="RespondWorkflowTaskCompleted",service_name="frontend"} 70',
      'action{action_type="command_ScheduleActivityTask",namespace="shop",operation="RespondWorkflowTaskCompleted",service_name="frontend"} 5',
      'action_latency{action_type="command_BatchMarkers",namespace="default"} 9',
    ].join('\n');
    expect(parseTemporalMetrics(text).actions).toEqual({
      grpc_StartWorkflowExecution: 35,
      command_ScheduleActivityTask: 75,
    });
  });

  it('reads nothing from lines that are not its metrics', () => {
    expect(parseTemporalMetrics('go_goroutines 12\n\n# EOF')).toEqual({
      timings: {},
      persistenceRequests: {},
      actions: {},
    });
  });
});
