// Screen "Audit" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Audit(_props: { network: string }) {
  return <Empty description="Audit" />;
}
