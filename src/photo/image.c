#include "photo/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int photo_chroma_size(int luma_size)
{
	return (luma_size + 1) / 2;
}

static bool plane_alloc(struct photo_plane *p, int width, int height)
{
	p->width = width;
	p->height = height;
	p->stride = ((size_t)width + 15) & ~(size_t)15;
	if ((size_t)height > SIZE_MAX / p->stride)
		return false;
	p->px = malloc(p->stride * (size_t)height);
	return p->px != NULL;
}

bool photo_image_alloc(struct photo_image *img, int planes, int width, int height,
		       struct dmr_error *err)
{
	memset(img, 0, sizeof *img);
	if ((planes != 1 && planes != 3) || width <= 0 || height <= 0)
		return dmr_fail(err, "internal_error", "photo", "bad picture %dx%d, %d planes",
				width, height, planes);
	img->planes = planes;
	for (int i = 0; i < planes; i++) {
		bool ok = i == 0 ? plane_alloc(&img->plane[i], width, height)
				 : plane_alloc(&img->plane[i], photo_chroma_size(width),
					       photo_chroma_size(height));

		if (!ok) {
			photo_image_free(img);
			return dmr_fail(err, "internal_error", "photo",
					"out of memory for %dx%d pixels", width, height);
		}
	}
	return true;
}

void photo_image_free(struct photo_image *img)
{
	for (int i = 0; i < PHOTO_MAX_PLANES; i++)
		free(img->plane[i].px);
	memset(img, 0, sizeof *img);
}
