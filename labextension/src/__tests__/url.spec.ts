import { apiUrl } from '../url';

describe('apiUrl', () => {
  it('mounts endpoints under the server base URL', () => {
    expect(apiUrl('/', 'runs')).toBe('/mlops/api/runs');
    expect(apiUrl('/user/ann/', 'runs/42/log')).toBe('/user/ann/mlops/api/runs/42/log');
    expect(apiUrl('http://127.0.0.1:8888/lab-base', '/backends')).toBe(
      'http://127.0.0.1:8888/lab-base/mlops/api/backends'
    );
  });

  it('gives the API root for an empty endpoint', () => {
    expect(apiUrl('/base/', '')).toBe('/base/mlops/api');
  });

  it('encodes query values and leaves out missing ones', () => {
    expect(
      apiUrl('/', 'runs', {
        notebook: 'dir with space/a&b.ipynb',
        status: undefined,
        schedule: null,
        limit: 50,
        all: false
      })
    ).toBe('/mlops/api/runs?notebook=dir+with+space%2Fa%26b.ipynb&limit=50&all=false');
  });
});
