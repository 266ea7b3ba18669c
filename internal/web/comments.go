package web

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"rollout/internal/apperr"
	"rollout/internal/comment"
	"rollout/internal/project"
)

// commentsView is what the comments partial (templates/partials/comments)
// shows below an item: its comments in time order and the form to add one,
// with the members the form's @-completion offers.
type commentsView struct {
	Action     string // where the form posts
	Items      []commentItem
	CanComment bool
	Members    string // JSON [{id, name}] for the @-completion
}

// commentItem is one comment as the page shows it.
type commentItem struct {
	ID        int64
	Author    string
	At        time.Time
	Edited    bool
	Pieces    []comment.Piece
	Body      string
	Version   int
	CanChange bool
}

// mentionable is a member the @-completion offers.
type mentionable struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// loadComments reads an item's comments and the project's members: two
// queries, whatever the number of comments.
func (s *Server) loadComments(c *fiber.Ctx, t *comment.Target) (*commentsView, error) {
	p, _ := currentProject(c)
	ctx := c.UserContext()
	cs, err := comment.List(ctx, s.db, p.ID, t.Kind, t.ID)
	if err != nil {
		return nil, err
	}
	members, err := project.Members(ctx, s.db, p.ID)
	if err != nil {
		return nil, err
	}
	caller := callerOf(c)
	writable := !p.Archived
	v := &commentsView{Action: t.Path(p.Key) + "/comments", CanComment: writable && comment.CanComment(caller)}
	for i := range cs {
		cm := &cs[i]
		v.Items = append(v.Items, commentItem{ID: cm.ID, Author: cm.AuthorName, At: cm.CreatedAt, Edited: cm.Edited(),
			Pieces: comment.Pieces(cm.Body, cm.MentionNames), Body: cm.Body, Version: cm.Version,
			CanChange: writable && comment.CanChange(caller, cm)})
	}
	ms := make([]mentionable, 0, len(members))
	for _, m := range members {
		if !m.Disabled {
			ms = append(ms, mentionable{ID: m.UserID, Name: m.Name})
		}
	}
	raw, _ := json.Marshal(ms) // ids and strings always encode
	v.Members = string(raw)
	return v, nil
}

// commentTarget finds the item a comment route names: its kind is fixed by
// the route, its reference is the path's :number or :id.
func (s *Server) commentTarget(c *fiber.Ctx, kind comment.Kind) (*comment.Target, error) {
	p, _ := currentProject(c)
	name := "id"
	if c.Params("number") != "" {
		name = "number"
	}
	ref, err := paramID(c, name)
	if err != nil {
		return nil, err
	}
	return comment.FindTarget(c.UserContext(), s.db, p.ID, p.Key, kind, ref)
}

// handleCommentCreate adds a comment from an item's page. The form sends the
// text only; the @names in it are the mentions.
func (s *Server) handleCommentCreate(kind comment.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, _ := currentProject(c)
		t, err := s.commentTarget(c, kind)
		if err != nil {
			return err
		}
		in := comment.Input{Body: c.FormValue("body")}
		if in.Mentions, err = s.mentionsIn(c, in.Body); err != nil {
			return err
		}
		cm, err := comment.Create(c.UserContext(), s.db, callerOf(c), p.ID, t, in)
		if apperr.Is(err, apperr.KindInvalid) {
			return s.redirectWith(c, t.Path(p.Key)+"#comments", "error", "flash.comment_invalid")
		}
		if err != nil {
			return err
		}
		return s.redirectWith(c, t.Path(p.Key)+"#comment-"+itoa64(cm.ID), "success", "flash.comment_added")
	}
}

// mentionsIn resolves the @names of a form's text to the project's members.
func (s *Server) mentionsIn(c *fiber.Ctx, body string) ([]int64, error) {
	p, _ := currentProject(c)
	members, err := project.Members(c.UserContext(), s.db, p.ID)
	if err != nil {
		return nil, err
	}
	ms := make([]comment.Member, len(members))
	for i, m := range members {
		ms[i] = comment.Member{UserID: m.UserID, Name: m.Name}
	}
	return comment.MentionsIn(body, ms), nil
}

// ownComment reads the comment a route names and the page of its item.
func (s *Server) ownComment(c *fiber.Ctx) (*comment.Comment, string, error) {
	p, _ := currentProject(c)
	id, err := paramID(c, "id")
	if err != nil {
		return nil, "", err
	}
	cm, err := comment.Get(c.UserContext(), s.db, p.ID, id)
	if err != nil {
		return nil, "", err
	}
	t, err := comment.TargetOf(c.UserContext(), s.db, p.ID, p.Key, cm.Entity, cm.EntityID)
	if err != nil {
		return nil, "", err
	}
	return cm, t.Path(p.Key), nil
}

func formVersion(c *fiber.Ctx) int {
	v, _ := strconv.Atoi(c.FormValue("version"))
	return v
}

func (s *Server) handleCommentUpdate(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	cm, back, err := s.ownComment(c)
	if err != nil {
		return err
	}
	in := comment.Input{Body: c.FormValue("body"), Version: formVersion(c)}
	if in.Mentions, err = s.mentionsIn(c, in.Body); err != nil {
		return err
	}
	_, err = comment.Update(c.UserContext(), s.db, callerOf(c), p.ID, cm.ID, in)
	switch {
	case apperr.Is(err, apperr.KindInvalid):
		return s.redirectWith(c, back+"#comment-"+itoa64(cm.ID), "error", "flash.comment_invalid")
	case apperr.Is(err, apperr.KindConflict):
		return s.redirectWith(c, back+"#comment-"+itoa64(cm.ID), "error", "flash.comment_stale")
	case err != nil:
		return err
	}
	return s.redirectWith(c, back+"#comment-"+itoa64(cm.ID), "success", "flash.comment_saved")
}

func (s *Server) handleCommentDelete(c *fiber.Ctx) error {
	p, _ := currentProject(c)
	cm, back, err := s.ownComment(c)
	if err != nil {
		return err
	}
	err = comment.Delete(c.UserContext(), s.db, callerOf(c), p.ID, cm.ID, formVersion(c))
	switch {
	case apperr.Is(err, apperr.KindInvalid):
		return s.redirectWith(c, back+"#comments", "error", "flash.comment_invalid")
	case apperr.Is(err, apperr.KindConflict):
		return s.redirectWith(c, back+"#comment-"+itoa64(cm.ID), "error", "flash.comment_stale")
	case err != nil:
		return err
	}
	return s.redirectWith(c, back+"#comments", "success", "flash.comment_deleted")
}
