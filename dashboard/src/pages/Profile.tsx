// Screen "Profile" — being built (issue 7); the shell routes here already.

import { Empty } from 'antd';

export function Profile(_props: { network: string }) {
  return <Empty description="Profile" />;
}
