// Screen "Tariffs" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Tariffs(_props: { network: string }) {
  return <Empty description="Tariffs" />;
}
