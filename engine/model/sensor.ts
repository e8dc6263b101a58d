/** Sensor metadata as registered from `<pack>/sensors/<name>.yaml`. */
export interface SensorDefinition {
  ref: string;
  name: string;
  pack: string;
  class_name: string;
  entry_point?: string;
  entry_point_path?: string;
  description?: string;
  enabled: boolean;
  poll_interval?: number;
  trigger_types: Array<{
    name: string;
    ref: string;
    description?: string;
    payload_schema?: Record<string, unknown>;
    parameters_schema?: Record<string, unknown>;
  }>;
  metadata_file: string;
}
