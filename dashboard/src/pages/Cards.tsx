// Screen "Cards" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Cards(_props: { network: string }) {
  return <Empty description="Cards" />;
}
