// Great-circle distance between two sites given in microdegrees (the network document's `lat`/`lon`),
// by the haversine formula on a sphere of the Earth's mean radius: within 0.5 % of the ellipsoid,
// which is plenty for "could a car have driven there in the time".

const earthRadiusMetres = 6_371_008.8;
const microdegreesPerRadian = (180 / Math.PI) * 1_000_000;

export interface Location {
  /** Latitude in microdegrees (55.755826° is 55755826). */
  lat: number;
  /** Longitude in microdegrees. */
  lon: number;
}

/** Distance in metres, rounded to the metre. */
export function distanceMetres(from: Location, to: Location): number {
  const lat1 = from.lat / microdegreesPerRadian;
  const lat2 = to.lat / microdegreesPerRadian;
  const deltaLat = lat2 - lat1;
  const deltaLon = (to.lon - from.lon) / microdegreesPerRadian;
  const a = Math.sin(deltaLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(deltaLon / 2) ** 2;
  return Math.round(2 * earthRadiusMetres * Math.asin(Math.min(1, Math.sqrt(a))));
}
